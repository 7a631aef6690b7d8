import type { Command } from 'commander';
import { configReference, yamlLiteral } from '../../lib/engine/config-reference.ts';
import { globalOptions } from '../main.ts';
import { formatTable, printJson } from '../output.ts';

export function registerConfigCommand(program: Command): void {
  program
    .command('config <pipeline>')
    .description('every config key of a pipeline: type, default and meaning (from its schema)')
    .action(async (pipelineName: string, _flags: unknown, cmd: Command) => {
      const { getPipeline } = await import('../../pipelines/index.ts');
      const keys = configReference(getPipeline(pipelineName).schema);
      if (globalOptions(cmd).json) return printJson(keys);
      process.stdout.write(formatTable(keys.map((k) => ({ ...k, default: k.default === undefined ? '' : yamlLiteral(k.default) }))) + '\n');
    });
}
