import type { CommandIO } from '../options.js';
import { auditHelp, auditRunCommand } from './audit-report.js';
import { auditVerifyCommand } from './audit-verify.js';

export { auditHelp };

/** "rotguard audit" checks the controls and writes the report; "rotguard audit verify" checks the event log. */
export async function auditCommand(args: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') return auditVerifyCommand(rest, io);
  if (sub === 'help') return (io.out(auditHelp), 0);
  return auditRunCommand(args, io);
}
