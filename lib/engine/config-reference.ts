import { stringify } from 'yaml';
import { z } from 'zod';
import type { Json } from './types.ts';

/** One config key as `sciflow config <pipeline>` lists it. */
export interface ConfigKey {
  /** Dotted path (`surrogate.epochs`). */
  key: string;
  /** Type and bounds as the schema checks them (`integer in [20, 100000]`, `default | full`). */
  type: string;
  /** The value the key takes when the config leaves it unset (preset-filled keys: the default preset's). */
  default?: Json;
  /** The schema's `.describe()` text (a nested key without its own: its parent's). */
  description: string;
}

/** The subset of JSON Schema that zod emits for config schemas. */
interface JsonSchemaNode {
  type?: string | string[];
  enum?: Json[];
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  properties?: Record<string, JsonSchemaNode>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  default?: Json;
  description?: string;
}

/**
 * Every leaf key of a pipeline's config schema, nested keys dotted, from the schema itself: its
 * input-side JSON Schema gives types, bounds and descriptions, and parsing an empty config gives
 * each default — including those a preset or another key fills in.
 */
export function configReference(schema: z.ZodType): ConfigKey[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const parsed = schema.safeParse({});
  const defaults = parsed.success ? (parsed.data as Json) : undefined;
  const keys: ConfigKey[] = [];
  const walk = (node: JsonSchemaNode, path: string[], inherited: string) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const key = [...path, name];
      const description = child.description ?? inherited;
      if (child.properties) walk(child, key, description);
      else keys.push({ key: key.join('.'), type: typeText(child), default: valueAt(defaults, key) ?? child.default, description });
    }
  };
  walk(root, [], '');
  return keys;
}

/** A value as a config file would spell it: `default`, `"4"` (a string, not the number), `[96, 96]`. */
export function yamlLiteral(value: Json): string {
  return stringify(value, { collectionStyle: 'flow', flowCollectionPadding: false }).trim();
}

function valueAt(value: Json | undefined, path: string[]): Json | undefined {
  let node = value;
  for (const part of path) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = node[part];
  }
  return node;
}

function typeText(node: JsonSchemaNode): string {
  if (node.anyOf) return node.anyOf.map(typeText).join(' | ');
  if (node.enum) return node.enum.map(yamlLiteral).join(' | ');
  const types = [node.type ?? 'any'].flat();
  return types
    .map((type) => {
      if (type === 'array') {
        const item = typeText(node.items ?? {});
        return `${item.includes(' ') ? `(${item})` : item}[]${countText(node)}`;
      }
      if (type === 'integer' || type === 'number') return `${type}${rangeText(node)}`;
      return type;
    })
    .join(' | ');
}

/** Bounds in interval notation (`in [0, 1]`, `in (0, 3600]`) or one-sided (`> 0`, `≥ 20`). */
function rangeText(node: JsonSchemaNode): string {
  // zod's int() adds the safe-integer limits: no bound a user would meet.
  const low = node.exclusiveMinimum ?? (node.minimum === Number.MIN_SAFE_INTEGER ? undefined : node.minimum);
  const high = node.exclusiveMaximum ?? (node.maximum === Number.MAX_SAFE_INTEGER ? undefined : node.maximum);
  const lowOpen = node.exclusiveMinimum !== undefined;
  const highOpen = node.exclusiveMaximum !== undefined;
  const step = node.multipleOf === undefined ? '' : `, multiple of ${node.multipleOf}`;
  if (low !== undefined && high !== undefined) return ` in ${lowOpen ? '(' : '['}${low}, ${high}${highOpen ? ')' : ']'}${step}`;
  if (low !== undefined) return ` ${lowOpen ? '>' : '≥'} ${low}${step}`;
  if (high !== undefined) return ` ${highOpen ? '<' : '≤'} ${high}${step}`;
  return step;
}

function countText(node: JsonSchemaNode): string {
  if (node.minItems !== undefined && node.maxItems !== undefined) return `, ${node.minItems}–${node.maxItems} items`;
  if (node.minItems !== undefined) return `, at least ${node.minItems}`;
  return '';
}
