"""Load a sciflow surrogate outside sciflow (numpy + pyarrow only) and predict with it.

    bench/.venv/bin/python bench/examples/load_surrogate.py runs/<runId>/surrogate/surrogate.parquet 0.5,0.5,0.5 [θ …]

The artifact is a network table (lib/nn/README.md, "Network tables"): one row per tensor (network,
layer, name, shape, values) and a JSON document in the Parquet metadata under `sciflow.network`.
For each θ (comma-separated, in the training table's input columns' order) prints one JSON line
{"mean": [...], "std": [...]}: the ensemble mean and epistemic spread of the outputs, computed in
float64 the way sciflow computes them in float32.
"""
import json
import sys

import numpy as np
import pyarrow.parquet as pq

ACTIVATIONS = {
    'tanh': np.tanh,
    'relu': lambda x: np.maximum(x, 0.0),
    'silu': lambda x: x / (1.0 + np.exp(-x)),
    'elu': lambda x: np.where(x > 0, x, np.expm1(x)),
}


def load(path):
    """The JSON document, the shared tensors by name, and per member {(layer, name): tensor}."""
    table = pq.read_table(path)
    document = json.loads(table.schema.metadata[b'sciflow.network'])
    if (document['layout'], document['format']) != ('sciflow.network-table/1', 'sciflow.surrogate/1'):
        sys.exit(f"{path}: not a surrogate network table ({document['layout']}, {document['format']})")
    shared, members = {}, {}
    for row in table.to_pylist():
        tensor = np.array(row['values'], dtype=np.float64).reshape(row['shape'])
        if row['network'] is None:
            shared[row['name']] = tensor
        else:
            members.setdefault(row['network'], {})[(row['layer'], row['name'])] = tensor
    return document, shared, [members[k] for k in sorted(members)]


def predict(document, shared, members, theta):
    """Standardise θ, run each member's MLP, undo the target scaling, PCA and output scaling."""
    activation = ACTIVATIONS[document['architecture']['activation']]
    layers = len(document['architecture']['hiddenUnits']) + 1
    x = (np.asarray(theta, dtype=np.float64) - shared['input_mean']) / shared['input_std']
    outputs = []
    for weights in members:
        h = x
        for layer in range(layers):
            h = h @ weights[(layer, 'kernel')] + weights[(layer, 'bias')]
            if layer < layers - 1:
                h = activation(h)
        z = h * shared['target_std'] + shared['target_mean']
        if document['pca'] is not None:
            z = z @ shared['pca_components'] + shared['pca_mean']
        outputs.append(z * shared['output_std'] + shared['output_mean'])
    outputs = np.array(outputs)
    return outputs.mean(axis=0), outputs.std(axis=0)


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    model = load(sys.argv[1])
    for argument in sys.argv[2:]:
        mean, std = predict(*model, [float(v) for v in argument.split(',')])
        print(json.dumps({'mean': mean.tolist(), 'std': std.tolist()}))
