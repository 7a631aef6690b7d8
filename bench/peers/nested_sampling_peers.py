"""Peer runs for bench/nested-sampling.ts: the same problems with dynesty, UltraNest and nautilus.

Usage: python nested_sampling_peers.py --problems gauss-2d,shells-5d --nlive 500 --seed 1
       [--samplers dynesty,ultranest,nautilus]
Prints one JSON list of rows {problem, dim, sampler, logZ, logZerr, ncall, wall_s, likelihood_s}
(nautilus rows also carry n_live and n_eff).

Settings are matched to sciflow's benchmark: 500 live points; dynesty static sampler with
bound='multi', sample='auto' and its default dlogz (1e-3 * (nlive - 1) + 0.01); UltraNest's
ReactiveNestedSampler with min_num_live_points=nlive, dlogz=0.5 and no improvement loops.
nautilus (importance nested sampling, Lange 2023) runs at its own defaults instead (n_live=2000,
stop at N_eff >= 10000, f_live=0.01; --nlive is not passed to it), single-threaded, no pool.
ncall counts every likelihood evaluation including the initial live points, as sciflow does.
The problem definitions mirror lib/sampling/reference-problems.ts; keep them in step.
"""
import argparse
import contextlib
import json
import logging
import math
import sys
import time

import numpy as np

SIGMA = 0.1
SHELL_R, SHELL_W, SHELL_C = 2.0, 0.1, 3.5


def gaussian_problem(ndim):
    centre = (0.5 * np.sin(np.arange(ndim) / 2) + 1) / 2
    norm = -ndim * math.log(SIGMA * math.sqrt(2 * math.pi))

    def loglike(x):
        return norm - 0.5 * np.sum(((x - centre) / SIGMA) ** 2, axis=-1)

    return ndim, (lambda u: u), loglike


def correlated_problem():
    ndim = 3
    mean = np.linspace(-1, 1, ndim)
    cov = np.full((ndim, ndim), 0.95)
    np.fill_diagonal(cov, 1.0)
    icov = np.linalg.inv(cov)
    norm = -0.5 * (ndim * math.log(2 * math.pi) + np.linalg.slogdet(cov)[1])

    def loglike(x):
        d = x - mean
        return norm - 0.5 * np.einsum('...i,ij,...j->...', d, icov, d)

    return ndim, (lambda u: 20.0 * u - 10.0), loglike


def shells_problem(ndim):
    c1 = np.zeros(ndim)
    c1[0] = -SHELL_C
    c2 = -c1
    const = -0.5 * math.log(2 * math.pi * SHELL_W ** 2)

    def logcirc(x, c):
        r = np.sqrt(np.sum((x - c) ** 2, axis=-1))
        return const - (r - SHELL_R) ** 2 / (2 * SHELL_W ** 2)

    def loglike(x):
        return np.logaddexp(logcirc(x, c1), logcirc(x, c2))

    return ndim, (lambda u: 12.0 * u - 6.0), loglike


def eggbox_problem():
    def loglike(x):
        return (2 + np.cos(x[..., 0] / 2) * np.cos(x[..., 1] / 2)) ** 5

    return 2, (lambda u: 10 * math.pi * u), loglike


def rosenbrock_problem():
    def loglike(x):
        a, b = x[..., 0], x[..., 1]
        return -((1 - a) ** 2 + 100 * (b - a ** 2) ** 2) / 2

    return 2, (lambda u: 20.0 * u - 10.0), loglike


LG_S = 1.0 / 30.0


def _log_loggamma(x, loc):
    """ln of scipy.stats.loggamma(c=1, loc, scale=LG_S).pdf: (1/s) exp(y - e^y), y = (x - loc)/s."""
    y = (x - loc) / LG_S
    return y - np.exp(y) - math.log(LG_S)


def _log_normal(x, mean):
    return -0.5 * ((x - mean) / LG_S) ** 2 - 0.5 * math.log(2 * math.pi * LG_S ** 2)


def loggamma_problem(ndim):
    """The LogGamma problem (Beaujean & Caldwell 2013; nautilus and UltraNest papers) on U[0,1]^d.

    ln L = ln g_a(x1) + ln g_b(x2) + sum_{i=3..d} ln l_i(x_i) (1-based i), with
    g_a = mixture 1/2 LG(1/3) + 1/2 LG(2/3), g_b = 1/2 N(1/3) + 1/2 N(2/3), l_i = LG(2/3) for
    3 <= i <= (d+2)/2 and N(2/3) beyond; LG is a log-gamma(c=1) density, all widths 1/30.
    """
    half = math.log(0.5)
    # 0-based column j is 1-based i = j + 1; log-gamma factor when i <= (d + 2) / 2.
    lg_cols = [j for j in range(2, ndim) if 2 * (j + 1) <= ndim + 2]
    n_cols = [j for j in range(2, ndim) if 2 * (j + 1) > ndim + 2]

    def loglike(x):
        x = np.asarray(x, dtype=float)
        x1, x2 = x[..., 0], x[..., 1]
        out = np.logaddexp(half + _log_loggamma(x1, 1 / 3), half + _log_loggamma(x1, 2 / 3))
        out = out + np.logaddexp(half + _log_normal(x2, 1 / 3), half + _log_normal(x2, 2 / 3))
        if lg_cols:
            out = out + np.sum(_log_loggamma(x[..., lg_cols], 2 / 3), axis=-1)
        if n_cols:
            out = out + np.sum(_log_normal(x[..., n_cols], 2 / 3), axis=-1)
        return out

    return ndim, (lambda u: u), loglike


PROBLEMS = {
    'gauss-2d': lambda: gaussian_problem(2),
    'gauss-10d': lambda: gaussian_problem(10),
    'gauss-20d': lambda: gaussian_problem(20),
    'gauss-30d': lambda: gaussian_problem(30),
    'correlated-3d': correlated_problem,
    'shells-2d': lambda: shells_problem(2),
    'shells-5d': lambda: shells_problem(5),
    'shells-10d': lambda: shells_problem(10),
    'shells-20d': lambda: shells_problem(20),
    'eggbox-2d': eggbox_problem,
    'rosenbrock-2d': rosenbrock_problem,
    'loggamma-2d': lambda: loggamma_problem(2),
    'loggamma-10d': lambda: loggamma_problem(10),
}


class Timed:
    """Wraps a likelihood to count calls and time spent inside it."""

    def __init__(self, fn):
        self.fn, self.seconds, self.calls = fn, 0.0, 0

    def __call__(self, x):
        t = time.perf_counter()
        out = self.fn(x)
        self.seconds += time.perf_counter() - t
        self.calls += 1 if np.ndim(x) == 1 else len(x)
        return out


def run_dynesty(name, nlive, seed):
    import dynesty
    ndim, transform, loglike = PROBLEMS[name]()
    timed = Timed(loglike)
    t0 = time.perf_counter()
    sampler = dynesty.NestedSampler(timed, transform, ndim, nlive=nlive, bound='multi',
                                    sample='auto', rstate=np.random.default_rng(seed))
    sampler.run_nested(print_progress=False)
    wall = time.perf_counter() - t0
    res = sampler.results
    return dict(problem=name, dim=ndim, sampler=f'dynesty {dynesty.__version__}',
                logZ=float(res.logz[-1]), logZerr=float(res.logzerr[-1]), ncall=int(timed.calls),
                wall_s=wall, likelihood_s=timed.seconds)


def run_ultranest(name, nlive, seed, max_ncalls):
    import ultranest
    logging.getLogger('ultranest').setLevel(logging.WARNING)
    np.random.seed(seed)
    ndim, transform, loglike = PROBLEMS[name]()
    timed = Timed(loglike)
    t0 = time.perf_counter()
    sampler = ultranest.ReactiveNestedSampler([f'x{i}' for i in range(ndim)], timed, transform,
                                              vectorized=True)
    res = sampler.run(min_num_live_points=nlive, dlogz=0.5, max_num_improvement_loops=0,
                      max_ncalls=max_ncalls, show_status=False, viz_callback=False)
    wall = time.perf_counter() - t0
    return dict(problem=name, dim=ndim, sampler=f'ultranest {ultranest.__version__}',
                logZ=float(res['logz']), logZerr=float(res['logzerr']), ncall=int(timed.calls),
                wall_s=wall, likelihood_s=timed.seconds,
                note='stopped at max_ncalls' if timed.calls >= max_ncalls else None)


def run_nautilus(name, seed):
    import nautilus
    from threadpoolctl import threadpool_limits
    ndim, transform, loglike = PROBLEMS[name]()
    timed = Timed(loglike)
    t0 = time.perf_counter()
    # Single-threaded like the other peers' likelihood loops: no pool (pool=None is nautilus's
    # default) and BLAS/OpenMP held to one thread (nautilus already does so around its network
    # training and bound sampling; this covers the rest of the run).
    with threadpool_limits(limits=1):
        sampler = nautilus.Sampler(transform, timed, ndim, vectorized=True, seed=seed)
        # nautilus 1.0.6 defaults: f_live=0.01, n_shell=1, n_eff=10000, discard_exploration=False.
        finished = sampler.run(verbose=False)
    wall = time.perf_counter() - t0
    if sampler.n_like != timed.calls:
        raise SystemExit(f'nautilus counted {sampler.n_like} likelihood calls, Timed {timed.calls}')
    n_eff = float(sampler.n_eff)
    return dict(problem=name, dim=ndim, sampler=f'nautilus {nautilus.__version__}',
                logZ=float(sampler.log_z),
                # nautilus quotes the statistical ln Z uncertainty as 1 / sqrt(N_eff), N_eff being
                # Sampler.n_eff: docs/discussion/faqs.rst of nautilus 1.0.6, "What is the
                # uncertainty in the evidence log Z?" (about 0.01 at the default N_eff = 10,000).
                logZerr=1.0 / math.sqrt(n_eff), ncall=int(timed.calls),
                wall_s=wall, likelihood_s=timed.seconds, n_live=int(sampler.n_live), n_eff=n_eff,
                note=None if finished else 'nautilus stopped before its convergence criteria')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--problems', default=','.join(PROBLEMS))
    parser.add_argument('--samplers', default='dynesty,ultranest')
    parser.add_argument('--nlive', type=int, default=500, help='dynesty and UltraNest only')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--ultranest-max-ncalls', type=int, default=3_000_000)
    args = parser.parse_args()
    # The peers print progress on stdout; keep stdout for the JSON answer alone.
    with contextlib.redirect_stdout(sys.stderr):
        rows = run_all(args)
    json.dump(rows, sys.stdout)


def run_all(args):
    rows = []
    for name in args.problems.split(','):
        for which in args.samplers.split(','):
            if which == 'dynesty':
                row = run_dynesty(name, args.nlive, args.seed)
            elif which == 'ultranest':
                row = run_ultranest(name, args.nlive, args.seed, args.ultranest_max_ncalls)
            elif which == 'nautilus':
                row = run_nautilus(name, args.seed)
            else:
                raise SystemExit(f'unknown sampler {which}')
            print(f'{row["sampler"]:>16} {name:>14}: logZ {row["logZ"]:.4f} ± {row["logZerr"]:.4f}'
                  f'  ncall {row["ncall"]}  {row["wall_s"]:.1f} s', file=sys.stderr, flush=True)
            rows.append(row)
    return rows


if __name__ == '__main__':
    main()
