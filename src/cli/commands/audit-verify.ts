import { UsageError } from '../../core/errors.js';
import { verifyLog } from '../../usecases/audit.js';
import { emit, parseCommand as parse, str, type CommandIO } from '../options.js';
import { withBackend } from '../backend-choice.js';

export const auditVerifyHelp = `Usage: rotguard audit verify [--expect-head HASH] [--checkpoint] [--json] [--workspace DIR]

Checks the workspace's event log, the append-only, hash-chained record of every state
change (ingests, standards, snapshots, gates, builds, promotions, decisions, monitoring
runs, prediction requests). Each event's hash covers its content and the previous
event's hash, so an edited event, a deleted one (a gap in the sequence), events moved
out of order and an event rewritten with a recomputed hash are all found and named.
Events are also signed with the workspace's event key (.rotguard/event-key.json, kept
outside the database): an event appended with plain SQL, however well chained, is
reported unsigned. The store is opened read-only: an auditor's copy is never changed.

Removing the most recent events leaves a shorter log that is still a valid chain: only a
head hash recorded earlier can reveal it. Every run prints the current head; keep it
(an audit report does) and pass it back with --expect-head HASH: the check then fails
if that event is no longer in the log.

--checkpoint records the head of a clean run as a checkpoint, signed with the event key
(the store is then opened for writing). "rotguard audit --version MODEL@N" verifies the
log from the latest checkpoint to the head instead of from the start, so it does not grow
with the whole log; it re-checks the version's own events wherever they are. Run this
command (with --checkpoint, e.g. nightly) to verify everything from the start.

Exit codes: 0 the chain is intact, 3 tampering was found (each problem is printed),
1 bad flags or no workspace.
`;

const HEX64 = /^[0-9a-f]{64}$/i;

export async function auditVerifyCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, { 'expect-head': { type: 'string' }, checkpoint: { type: 'boolean' } });
  if (values.help) return (io.out(auditVerifyHelp), 0);
  if (positionals.length) throw new UsageError(`audit verify takes no arguments, got "${positionals.join(' ')}"\n\n${auditVerifyHelp}`);
  const expectHead = str(values['expect-head']);
  if (expectHead !== undefined && !HEX64.test(expectHead)) {
    throw new UsageError(`--expect-head must be an event hash (64 hex digits, the head printed by an earlier "rotguard audit verify"), got "${expectHead}"`);
  }
  return withBackend(
    io,
    str(values.workspace),
    async (b) => {
      const checkpoint = Boolean(values.checkpoint);
      const r = await verifyLog(b.localContext('audit verify'), { expectHead, checkpoint });
      const head = `head: event ${r.headSeq}, hash ${r.headHash}`;
      const recorded = r.checkpoint ? `  checkpoint recorded at event ${r.checkpoint.seq} (signed with the event key)\n` : '';
      if (r.ok) {
        emit(
          io,
          Boolean(values.json),
          r,
          `event log intact: ${r.events} events, every hash and link checks out\n  ${head}\n` +
            (expectHead
              ? `  the expected head ${expectHead.toLowerCase().slice(0, 16)}… is in the log\n`
              : '  (keep the head hash and pass it as --expect-head next time: removing the latest events is only detectable that way)\n') +
            recorded,
        );
        return 0;
      }
      emit(
        io,
        Boolean(values.json),
        r,
        `event log TAMPERED: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in ${r.events} events\n` +
          r.problems.map((p) => `  ✗ [${p.problem}] ${p.message}`).join('\n') +
          `\n  ${head}\n` +
          (checkpoint ? '  no checkpoint recorded: the log failed verification\n' : ''),
      );
      return 3;
    },
    { readOnly: !values.checkpoint },
  );
}
