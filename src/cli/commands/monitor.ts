import { isIsoDate } from '../../core/iso-date.js';
import { UsageError } from '../../core/errors.js';
import type { WindowEvidence } from '../../monitor/evidence.js';
import type { WindowKind } from '../../monitor/monitor.js';
import { emit, parseCommand, str, type CommandIO } from '../options.js';
import { withBackend } from '../backend-choice.js';

export const monitorHelp = `Usage:
  rotguard monitor run --model NAME [--window week|request] [--as-of ISO_TIME] [--json]
  rotguard monitor show --model NAME [--json]

Computes, per window of the model's prediction records: input drift per descriptor
(PSI, KS, Wasserstein against the training set), the chemistry mix (unseen scaffolds,
nearest-neighbour similarity to train), output drift (predictions, interval widths),
label delay, performance once labels arrive (MAE vs validation, interval coverage,
Spearman), assay shift on reference compounds measured across protocol versions, and
the proxy signals. Each run is stored and recorded as an event.
`;

const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

const pValue = (p: number | null | undefined) => (p === null || p === undefined ? '–' : p < 0.001 ? '<0.001' : p.toFixed(3));

function line(w: WindowEvidence): string {
  const p = w.performance;
  const vs = (share: number | null, base: number | null | undefined, pv: number | null | undefined) =>
    `${f(share)}${base === undefined || base === null ? '' : ` (baseline ${f(base)}, p ${pValue(pv)})`}`;
  return (
    `${w.window.label.padEnd(12)} n=${String(w.predictions).padEnd(5)} unseen-scaffold ${vs(w.input.unseenScaffoldShare, w.input.unseenScaffoldBaseline, w.input.unseenScaffoldP)}  low-sim ${vs(w.input.lowSimilarityShare, w.input.lowSimilarityBaseline, w.input.lowSimilarityP)}  ` +
    `${w.input.chemistryShiftP === undefined ? '' : `chemistry MMD p ${pValue(w.input.chemistryShiftP)}  ${w.input.novelClusterCount == null ? '' : `novel cluster ${w.input.novelClusterCount} (baseline ${f(w.input.novelClusterBaseline, 1)}, p ${pValue(w.input.novelClusterP)})  `}${w.input.newScaffoldPairs == null ? '' : `new-scaffold pairs ${w.input.newScaffoldPairs} (baseline ${f(w.input.newScaffoldPairsBaseline, 1)}, p ${pValue(w.input.newScaffoldPairsP)})  `}${w.input.trainingNovelPairs == null ? '' : `novel pairs vs training ${w.input.trainingNovelPairs} (baseline ${f(w.input.trainingNovelPairsBaseline, 1)}, p ${pValue(w.input.trainingNovelPairsP)})  `}descriptors drifted ${w.input.driftedDescriptors ?? '–'}  `}maxPSI ${f(w.input.maxPsi)}  width× ${f(w.output.widthRatio)}  ` +
    `${w.errorEstimate ? `est. MAE× ${f(w.errorEstimate.estimatedMaeRatio)}  ` : ''}` +
    `labelled ${f(w.labels.labelledShare)}  ${p ? `MAE× ${f(p.maeRatio)} cov ${f(p.coverage)}` : 'no labels yet'}` +
    `${w.assay.confirmedShift ? `  ASSAY SHIFT ${f(w.assay.pairedShift ?? w.assay.medianReferenceShift)}${w.assay.shiftCiLow != null ? ` [${f(w.assay.shiftCiLow)}, ${f(w.assay.shiftCiHigh)}]` : ''}` : ''}` +
    // Whenever references exist, say why a shift was or was not confirmed (the test, its power and the noise).
    `${w.assay.references.length && w.assay.explanation ? `\n${' '.repeat(13)}assay: ${w.assay.explanation}` : ''}` +
    `${w.proxy.chemistryMovingConfidenceFlat ? '  ⚠ chemistry moving, confidence flat' : ''}${w.proxy.confidenceMovingChemistryStable ? '  ⚠ confidence moving, chemistry stable' : ''}`
  );
}

export async function monitorCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, { model: { type: 'string' }, window: { type: 'string', default: 'week' }, 'as-of': { type: 'string' } });
  const [sub] = positionals;
  if (values.help || !sub) return (io.out(monitorHelp), values.help ? 0 : 1);
  if (!values.model) throw new UsageError(`monitor ${sub} needs --model NAME`);
  const json = Boolean(values.json);
  return withBackend(io, str(values.workspace), async (b) => {
    if (sub === 'run') {
      if (values.window !== 'week' && values.window !== 'request') throw new UsageError('--window must be week or request');
      const asOf = str(values['as-of']);
      if (asOf !== undefined && !isIsoDate(asOf)) throw new UsageError(`--as-of must be an ISO date or time, got "${asOf}"`);
      const r = await b.monitor({ model: str(values.model)!, window: values.window as WindowKind, asOf: asOf && new Date(asOf).toISOString() });
      emit(io, json, r, r.windows.map(line).join('\n') + `\nstored as ${r.blob.slice(0, 12)}`);
      return 0;
    }
    if (sub === 'show') {
      const run = await b.latestMonitoring(str(values.model)!);
      emit(
        io,
        json,
        run,
        run
          ? `as of ${run.asOf} (${run.window} windows)\n` + run.windows.map(line).join('\n')
          : `no monitoring run for ${values.model} yet; run "rotguard monitor run --model ${values.model}"`,
      );
      return 0;
    }
    throw new UsageError(monitorHelp);
  });
}
