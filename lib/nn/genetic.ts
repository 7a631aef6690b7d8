/**
 * A small genetic algorithm choosing a network's depth, width and learning rate, as in
 * Gómez-Vargas & Vázquez (2024): fitness is the validation loss of a briefly trained network
 * (lower is better).
 *
 * Each generation keeps the `elitism` best genomes unchanged and fills the rest with children:
 * two parents picked by tournament (the fittest of `tournamentSize` random genomes), uniform
 * crossover (each gene from either parent with probability ½), then mutation of each gene with
 * probability `mutationRate` (layers and units jump to a random allowed value; the learning rate
 * is multiplied by exp(N(0, ½)) and kept inside its range). Fitness is cached per genome, so
 * elites and repeated children cost nothing.
 */
import { Rng } from '../random.ts';
import { fitSurrogate, type SurrogateConfig, type SurrogateTrainingHooks } from './surrogate.ts';

export interface Genome {
  layers: number;
  units: number;
  learningRate: number;
}

export interface GeneticSearchOptions {
  population: number;
  generations: number;
  tournamentSize: number;
  mutationRate: number;
  elitism: number;
  layerChoices: number[];
  unitChoices: number[];
  learningRateRange: [number, number];
  seed: number;
}

export const DEFAULT_GENETIC_SEARCH: GeneticSearchOptions = {
  population: 8,
  generations: 4,
  tournamentSize: 3,
  mutationRate: 0.3,
  elitism: 2,
  layerChoices: [1, 2, 3, 4],
  unitChoices: [16, 32, 64, 128],
  learningRateRange: [1e-4, 1e-2],
  seed: 0,
};

export interface GeneticSearchResult {
  best: Genome;
  bestFitness: number;
  /** Every evaluated genome with the generation it first appeared in. */
  evaluations: { generation: number; genome: Genome; fitness: number }[];
}

const key = (g: Genome): string => `${g.layers}x${g.units}@${g.learningRate.toPrecision(6)}`;

export async function geneticSearch(
  fitness: (genome: Genome) => Promise<number>,
  overrides: Partial<GeneticSearchOptions> = {},
): Promise<GeneticSearchResult> {
  const o: GeneticSearchOptions = { ...DEFAULT_GENETIC_SEARCH, ...overrides };
  const rng = Rng.fromSeed(o.seed);
  const [lrMin, lrMax] = o.learningRateRange;
  const pick = <T>(items: readonly T[]): T => items[rng.int(items.length)];
  const randomLearningRate = () => Math.exp(Math.log(lrMin) + rng.uniform() * Math.log(lrMax / lrMin));
  const randomGenome = (): Genome => ({
    layers: pick(o.layerChoices),
    units: pick(o.unitChoices),
    learningRate: randomLearningRate(),
  });

  const cache = new Map<string, number>();
  const evaluations: GeneticSearchResult['evaluations'] = [];
  const score = async (genome: Genome, generation: number): Promise<number> => {
    const k = key(genome);
    let value = cache.get(k);
    if (value === undefined) {
      value = await fitness(genome);
      // A diverged or NaN fitness ranks last instead of poisoning comparisons.
      if (!Number.isFinite(value)) value = Infinity;
      cache.set(k, value);
      evaluations.push({ generation, genome, fitness: value });
    }
    return value;
  };

  let population = Array.from({ length: o.population }, randomGenome);
  let scored: { genome: Genome; fitness: number }[] = [];
  for (let generation = 0; generation < o.generations; generation++) {
    scored = [];
    for (const genome of population) scored.push({ genome, fitness: await score(genome, generation) });
    scored.sort((a, b) => a.fitness - b.fitness);
    if (generation === o.generations - 1) break;

    const tournament = (): Genome => {
      let winner = scored[rng.int(scored.length)];
      for (let t = 1; t < o.tournamentSize; t++) {
        const rival = scored[rng.int(scored.length)];
        if (rival.fitness < winner.fitness) winner = rival;
      }
      return winner.genome;
    };
    const next = scored.slice(0, o.elitism).map((s) => s.genome);
    while (next.length < o.population) {
      const [a, b] = [tournament(), tournament()];
      const child: Genome = {
        layers: rng.uniform() < 0.5 ? a.layers : b.layers,
        units: rng.uniform() < 0.5 ? a.units : b.units,
        learningRate: rng.uniform() < 0.5 ? a.learningRate : b.learningRate,
      };
      if (rng.uniform() < o.mutationRate) child.layers = pick(o.layerChoices);
      if (rng.uniform() < o.mutationRate) child.units = pick(o.unitChoices);
      if (rng.uniform() < o.mutationRate) {
        child.learningRate = Math.min(lrMax, Math.max(lrMin, child.learningRate * Math.exp(0.5 * rng.normal())));
      }
      next.push(child);
    }
    population = next;
  }
  return { best: scored[0].genome, bestFitness: scored[0].fitness, evaluations };
}

/** Applies a genome to a surrogate configuration. */
export function configFromGenome(genome: Genome, base: Partial<SurrogateConfig>): Partial<SurrogateConfig> {
  const schedule = base.learningRate ?? { kind: 'cosine' as const, initial: genome.learningRate, final: 1e-5 };
  return {
    ...base,
    hiddenUnits: Array.from({ length: genome.layers }, () => genome.units),
    learningRate: { ...schedule, initial: genome.learningRate },
  };
}

/** Fitness of a genome: best validation loss of a single network trained on (inputs, outputs). */
export function surrogateFitness(
  inputs: number[][],
  outputs: number[][],
  base: Partial<SurrogateConfig>,
  hooks: Pick<SurrogateTrainingHooks, 'onEpoch'> = {},
): (genome: Genome) => Promise<number> {
  return async (genome) => {
    const { surrogate, losses } = await fitSurrogate(
      inputs,
      outputs,
      { ...configFromGenome(genome, base), ensembleSize: 1, testFraction: 0 },
      hooks,
    );
    surrogate.dispose();
    return Math.min(...losses.valLoss);
  };
}
