import { isIsoDate } from '../../core/iso-date.js';
import { RotguardError, UsageError } from '../../core/errors.js';
import { describeScope, policyDocument, readPolicyFile } from '../../policy/policy-file.js';
import type { Decision } from '../../policy/decide.js';
import type { WindowKind } from '../../monitor/monitor.js';
import { emit, parseCommand, str, type CommandIO } from '../options.js';
import { readFileSync } from 'node:fs';
import type { PolicyInput } from '../backend.js';
import { withBackend } from '../backend-choice.js';

export const policyHelp = `Usage:
  rotguard policy check POLICY.yaml
  rotguard policy apply --policy POLICY.yaml [--model NAME] [--recipe-out RETRAIN.yaml] [--window week|request] [--as-of TIME]
  rotguard policy unfreeze --model NAME --reason TEXT

check validates a policy and prints its hash (the hash is stored with every decision).
apply measures (a monitoring run), decides from the policy and that evidence only, records
the decision, and acts: freeze is recorded (promotion refused until unfrozen), retrain
writes the recipe for the new training window to --recipe-out.
`;

export const decideHelp = `Usage: rotguard decide --policy POLICY.yaml [--model NAME] [--window week|request] [--as-of TIME] [--json]

Runs monitoring and the policy and records the decision (continue, watch, freeze or
retrain) with the policy hash and the evidence, without acting on it. A policy that
applies to several models (applies_to: endpoint, team, models pattern) decides for each
model with a champion it governs, or for --model only. Windows are weeks,
or batches (requests) while the model is under watch: watching widens monitoring.
`;

function describe(d: Decision): string {
  return (
    `${d.action.toUpperCase()} — ${d.model} window ${d.window.label} (policy ${d.policy} ${d.policyHash.slice(0, 12)})\n${d.reason}` +
    d.rules
      .map(
        (r) => `\n  ${r.triggered ? '●' : '○'} ${r.rule}: ${r.when} true in ${r.windowsTrue}/${r.windowsSeen} windows (needs ${r.k} of ${r.n}) → ${r.action}`,
      )
      .join('') +
    (d.maturity
      ? '\n  maturity: ' + d.maturity.checks.map((c) => `${c.passed ? '✓' : '✗'} ${c.check} ${c.value ?? '–'} (${c.comparison} ${c.threshold})`).join(', ')
      : '')
  );
}

function windowOption(v: unknown): WindowKind | undefined {
  if (v === undefined) return undefined;
  if (v !== 'week' && v !== 'request') throw new UsageError('--window must be week or request');
  return v;
}

function asOfOption(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !isIsoDate(v)) throw new UsageError(`--as-of must be an ISO date or time, got "${v}"`);
  return new Date(v).toISOString();
}

/** A policy file, checked here (errors name its lines) and kept as text for a server, which checks it again. */
function readPolicyInput(path: string): PolicyInput {
  const policy = readPolicyFile(path);
  return { policy, text: readFileSync(path, 'utf8') };
}

export async function decideCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommand(args, { policy: { type: 'string' }, model: { type: 'string' }, window: { type: 'string' }, 'as-of': { type: 'string' } });
  if (values.help) return (io.out(decideHelp), 0);
  if (!values.policy) throw new UsageError(decideHelp);
  const policyInput = readPolicyInput(str(values.policy)!);
  const policy = policyInput.policy;
  return withBackend(io, str(values.workspace), async (b) => {
    const models = values.model ? [str(values.model)!] : await b.governed(policyInput);
    if (!models.length) throw new RotguardError('no_alias', `policy ${policy.name} applies to ${describeScope(policy)}: no such model has a champion yet`);
    const decisions = [];
    for (const model of models)
      decisions.push(await b.decide({ policy: policyInput, model, window: windowOption(values.window), asOf: asOfOption(values['as-of']) }));
    emit(io, Boolean(values.json), policy.model !== null || values.model ? decisions[0] : decisions, decisions.map(describe).join('\n\n'));
    return 0;
  });
}

export async function policyCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    policy: { type: 'string' },
    'recipe-out': { type: 'string' },
    window: { type: 'string' },
    'as-of': { type: 'string' },
    model: { type: 'string' },
    reason: { type: 'string' },
  });
  const [sub, file] = positionals;
  if (values.help || !sub) return (io.out(policyHelp), values.help ? 0 : 1);
  const json = Boolean(values.json);
  if (sub === 'check') {
    if (!file) throw new UsageError('policy check needs a POLICY.yaml');
    const p = readPolicyFile(file);
    emit(io, json, { ...policyDocument(p), hash: p.hash }, `policy ${p.name} for ${describeScope(p)} is valid (${p.rules.length} rules), hash ${p.hash}`);
    return 0;
  }
  return withBackend(io, str(values.workspace), async (b) => {
    if (sub === 'apply') {
      if (!values.policy) throw new UsageError('policy apply needs --policy POLICY.yaml');
      const policyInput = readPolicyInput(str(values.policy)!);
      const policy = policyInput.policy;
      if (policy.model === null && !values.model)
        throw new UsageError(`policy ${policy.name} applies to ${describeScope(policy)}: policy apply acts on one model at a time, say which with --model`);
      const r = await b.applyPolicy({
        policy: policyInput,
        model: str(values.model),
        window: windowOption(values.window),
        asOf: asOfOption(values['as-of']),
        recipeOut: str(values['recipe-out']),
      });
      emit(
        io,
        json,
        r,
        describe(r.decision) +
          (r.frozen ? `\n${r.decision.model.split('@')[0]} is now frozen: promotions are refused until "rotguard policy unfreeze"` : '') +
          (r.recipe
            ? r.recipePath
              ? `\nretrain recipe written to ${r.recipePath}; build it with "rotguard build ${r.recipePath}"`
              : '\nretrain recipe: pass --recipe-out FILE to write it'
            : ''),
      );
      return 0;
    }
    if (sub === 'unfreeze') {
      if (!values.model || !str(values.reason)?.trim()) throw new UsageError('policy unfreeze needs --model and --reason');
      await b.unfreeze({ model: str(values.model)!, reason: str(values.reason)! });
      emit(io, json, { model: values.model, frozen: false }, `${values.model} unfrozen`);
      return 0;
    }
    throw new UsageError(policyHelp);
  });
}
