#!/usr/bin/env bash
# Creates bench/.venv (gitignored) with the peer nested samplers used by bench/nested-sampling.ts
# (dynesty, UltraNest, nautilus; nautilus's own dependencies beyond numpy/scipy are pinned too)
# and pyarrow for bench/examples/load_surrogate.py (a stored surrogate read without sciflow).
# Python is for these side-by-side comparisons only; sciflow itself and its tests never need it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet \
  numpy==2.4.6 \
  scipy==1.17.1 \
  dynesty==3.1.0 \
  ultranest==4.6.3 \
  nautilus-sampler==1.0.6 \
  scikit-learn==1.9.1 \
  threadpoolctl==3.8.0 \
  joblib==1.6.0 \
  narwhals==2.29.0 \
  cloudpickle==3.1.3 \
  pyarrow==26.0.1
"$venv/bin/python" -c 'import dynesty, ultranest, nautilus, numpy, pyarrow; print("dynesty", dynesty.__version__, "ultranest", ultranest.__version__, "nautilus", nautilus.__version__, "numpy", numpy.__version__, "pyarrow", pyarrow.__version__)'
