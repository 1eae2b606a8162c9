import { packageVersion } from '../core/package-info.js';
import { RotguardError } from '../core/errors.js';
import { isClientMode } from './remote/config.js';
import { runCommand } from './run-command.js';
import { featurizeCommand, featurizeHelp } from './commands/featurize.js';
import {
  datasetsCommand,
  datasetsHelp,
  endpointsCommand,
  endpointsHelp,
  featuresCommand,
  featuresHelp,
  ingestCommand,
  ingestHelp,
  initCommand,
  initHelp,
  protocolsCommand,
  protocolsHelp,
} from './commands/data.js';
import {
  buildCommand,
  buildHelp,
  gateCommand,
  gateHelp,
  modelsCommand,
  modelsHelp,
  promoteCommand,
  promoteHelp,
  validateCommand,
  validateHelp,
} from './commands/models.js';
import { predictCommand, predictHelp, predictionsCommand, predictionsHelp } from './commands/predict.js';
import { monitorCommand, monitorHelp } from './commands/monitor.js';
import { decideCommand, decideHelp, policyCommand, policyHelp } from './commands/policy.js';
import { auditCommand, auditHelp } from './commands/audit.js';
import { traceCommand, traceHelp } from './commands/audit-report.js';
import { demoCommand, demoHelp } from './commands/demo.js';
import { backtestCommand, backtestHelp } from './commands/backtest.js';
import { jobsCommand, jobsHelp } from './commands/jobs.js';
import { budgetCommand, budgetHelp } from './commands/budget.js';
import { serveCommand, serveHelp } from './commands/serve.js';
import { teamsCommand, tokensCommand, usersCommand, usersHelp, whoamiCommand, whoamiHelp } from './commands/users.js';
import { adminCommand, adminHelp } from './commands/admin.js';
import { webhooksCommand, webhooksHelp } from './commands/webhooks.js';
import type { CommandIO } from './options.js';

type Command = (args: string[], io: CommandIO) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string; help: string }> = {
  init: { run: initCommand, summary: 'create a workspace (embedded store, or PostgreSQL via ROTGUARD_DATABASE_URL)', help: initHelp },
  featurize: { run: featurizeCommand, summary: 'standardize structures and compute descriptors, fingerprints, scaffolds', help: featurizeHelp },
  endpoints: { run: endpointsCommand, summary: 'add or list endpoint standards (shared label definitions)', help: endpointsHelp },
  protocols: { run: protocolsCommand, summary: 'add or list assay protocol versions', help: protocolsHelp },
  ingest: { run: ingestCommand, summary: 'ingest an assay file (CSV, TSV, SDF) with validation and quarantine', help: ingestHelp },
  datasets: { run: datasetsCommand, summary: 'create, show, diff and list dataset snapshots', help: datasetsHelp },
  features: { run: featuresCommand, summary: 'compute and cache features for a dataset snapshot', help: featuresHelp },
  build: { run: buildCommand, summary: 'build a model version from a recipe (reproducible, cached by build hash)', help: buildHelp },
  models: { run: modelsCommand, summary: 'list model versions, show one with its validation and events', help: modelsHelp },
  validate: { run: validateCommand, summary: "show a version's validation report and check it against the release gate", help: validateHelp },
  predict: { run: predictCommand, summary: 'predict with lineage, intervals and applicability domain; every prediction recorded', help: predictHelp },
  predictions: { run: predictionsCommand, summary: 'export prediction records', help: predictionsHelp },
  monitor: { run: monitorCommand, summary: 'drift, label delay, performance and assay-shift evidence per window', help: monitorHelp },
  decide: { run: decideCommand, summary: 'decide continue / watch / freeze / retrain from a policy and the evidence', help: decideHelp },
  policy: { run: policyCommand, summary: 'check a policy, apply it (freeze, emit a retrain recipe), unfreeze', help: policyHelp },
  gate: { run: gateCommand, summary: "set or show an endpoint's shared release gate", help: gateHelp },
  promote: { run: promoteCommand, summary: 'promote a model version to champion or challenger', help: promoteHelp },
  audit: {
    run: auditCommand,
    summary: 'audit every model version against the controls; write the HTML/JSON report; audit verify: check the event log',
    help: auditHelp,
  },
  trace: { run: traceCommand, summary: 'walk a prediction back to its model, build, snapshot, measurements, protocols and source files', help: traceHelp },
  backtest: {
    run: backtestCommand,
    summary: 'replay an ingested assay history week by week: when would rotguard have warned, and was it right?',
    help: backtestHelp,
  },
  jobs: { run: jobsCommand, summary: 'list, show and cancel governed compute jobs; bulk scoring arrays; external training commands', help: jobsHelp },
  budget: { run: budgetCommand, summary: 'set and show team compute budgets per month; prices, time limits, lanes, idle watchdog', help: budgetHelp },
  serve: { run: serveCommand, summary: 'serve the JSON API (and dashboard) for teams, with tokens, roles and team scoping', help: serveHelp },
  users: { run: usersCommand, summary: "add and list a server's users and service accounts; grant roles per team", help: usersHelp },
  tokens: { run: tokensCommand, summary: 'issue or revoke API tokens', help: usersHelp },
  teams: { run: teamsCommand, summary: "let one team read another team's models and decisions", help: usersHelp },
  whoami: {
    run: whoamiCommand,
    summary: 'who the next command acts as: the token identity, roles and teams (client mode) or the local user',
    help: whoamiHelp,
  },
  demo: { run: demoCommand, summary: 'replay a year of a discovery programme end to end, then audit it (start here)', help: demoHelp },
  admin: { run: adminCommand, summary: 'migrate the store (the only way on PostgreSQL); grant a server role its privileges', help: adminHelp },
  webhooks: {
    run: webhooksCommand,
    summary: 'send events to other systems: add, list, remove webhooks, their deliveries, run the dispatcher',
    help: webhooksHelp,
  },
};

/**
 * Commands that administer or replay a workspace itself: with ROTGUARD_URL set (client
 * mode) they are refused with the reason, instead of silently acting on a local store.
 */
const WORKSPACE_ONLY: Record<string, string> = {
  init: 'creates a workspace',
  demo: 'replays a year on a fresh workspace of its own',
  backtest: 'replays an assay history on the workspace',
  jobs: 'runs and governs compute jobs on the workspace',
  budget: "sets the workspace's compute budgets",
  admin: 'migrates the store and grants a server role its privileges, on the database itself',
};

function version(): string {
  return packageVersion();
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `rotguard ${version()}: keeps preclinical ADMET models trustworthy

Usage: rotguard <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Run "rotguard <command> --help" for a command's options.

Client mode: with ROTGUARD_URL (a "rotguard serve" address) and ROTGUARD_TOKEN set, the
commands call that server as the token's identity instead of opening a workspace
(ROTGUARD_TEAM picks the acting team; ROTGUARD_TIMEOUT, seconds, bounds each request).
`;
}

/**
 * Entry point. Exit codes: 0 ok, 1 a user error (bad input, bad flags, a refused action), 2 an internal
 * error, 3 a check failed (see core/error-codes.ts).
 * With --json, errors are printed as JSON on stdout too, so scripts always get JSON.
 */
export async function main(argv: string[], io: CommandIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }): Promise<number> {
  const env = io.env ?? process.env;
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 1;
  }
  if (name === '--version' || name === '-V') {
    io.out(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`rotguard: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  return runCommand(name, args, io, (safe) => {
    if (isClientMode(env) && WORKSPACE_ONLY[name] && !args.includes('--help') && !args.includes('-h')) {
      throw new RotguardError(
        'not_remote',
        `"rotguard ${name}" ${WORKSPACE_ONLY[name]}, so it does not run through a server; ROTGUARD_URL is set (client mode): unset it to run ${name} where the workspace is`,
      );
    }
    return command.run(args, safe);
  });
}
