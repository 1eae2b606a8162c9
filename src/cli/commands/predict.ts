import { UsageError } from '../../core/errors.js';
import { exportPredictions, predict } from '../../usecases/predict.js';
import { emit, integerOption, parseCommand, str, type CommandIO } from '../options.js';
import { ProgressBar } from '../progress.js';
import { withContext } from '../workspace.js';

export const predictHelp = `Usage: rotguard predict --model NAME@champion IN.csv|.smi --out OUT.csv [--level 0.9] [--json] [--workers N]
                        [--smiles-column NAME] [--id-column NAME]

Standardizes each structure, checks the model's feature contract, and writes for every
compound the prediction, its conformal interval at --level, its applicability domain
(max Tanimoto to the training set, the nearest training compound, whether its scaffold
was seen) and a prediction id. Every prediction is stored as a record with the model
version, feature version, input hash, canonical structure, time and requester.
`;

export async function predictCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    model: { type: 'string' },
    out: { type: 'string' },
    rejects: { type: 'string' },
    level: { type: 'string', default: '0.9' },
    workers: { type: 'string' },
    'smiles-column': { type: 'string' },
    'id-column': { type: 'string' },
  });
  if (values.help) return (io.out(predictHelp), 0);
  if (positionals.length !== 1 || !values.model || !values.out) throw new UsageError(predictHelp);
  const level = Number(values.level);
  if (![0.8, 0.9, 0.95].includes(level)) throw new UsageError('--level must be 0.8, 0.9 or 0.95 (the calibrated levels)');
  const workers = values.workers === undefined ? undefined : integerOption('--workers', str(values.workers), 1, 1, 256);
  return withContext(str(values.workspace), async (ctx) => {
    const bar = new ProgressBar('predict');
    const s = await predict(ctx, {
      modelRef: str(values.model)!,
      input: positionals[0]!,
      out: str(values.out)!,
      rejects: str(values.rejects),
      level,
      workers,
      smilesColumn: str(values['smiles-column']),
      idColumn: str(values['id-column']),
      onProgress: (p) => bar.update(p.fraction, `${p.rows} rows`),
    }).finally(() => bar.done());
    emit(
      io,
      Boolean(values.json),
      s,
      (s.modelFrozen ? `WARNING: ${s.model} is frozen by policy; every prediction is flagged model_frozen=1\n` : '') +
        `predicted ${s.predicted} of ${s.rows} rows with ${s.model} in ${s.seconds.toFixed(1)} s (request ${s.request})\n` +
        `  out of domain (nearest training Tanimoto < 0.3): ${s.outOfDomain}; unseen scaffolds: ${s.unseenScaffolds}\n` +
        `  predictions: ${s.output}\n  rejected: ${s.rejected} → ${s.rejects}`,
    );
    return 0;
  });
}

export const predictionsHelp = `Usage: rotguard predictions export --out FILE.csv|FILE.jsonl [--model NAME[@V]] [--request ID]
`;

export async function predictionsCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, { out: { type: 'string' }, model: { type: 'string' }, request: { type: 'string' } });
  if (values.help) return (io.out(predictionsHelp), 0);
  if (positionals[0] !== 'export' || !values.out) throw new UsageError(predictionsHelp);
  return withContext(str(values.workspace), async (ctx) => {
    const n = await exportPredictions(ctx, { out: str(values.out)!, model: str(values.model), request: str(values.request) });
    emit(io, Boolean(values.json), { exported: n, out: values.out }, `exported ${n} prediction records to ${values.out}`);
    return 0;
  });
}
