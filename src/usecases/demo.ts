import { fixedClock } from '../core/clock.js';
import { runDemo, type DemoOptions, type DemoResult } from '../demo/run.js';
import { demoStory } from '../demo/summary.js';
import { openStore } from '../store/store.js';
import { writeAuditReport, type WrittenReport } from './audit.js';
import { createContext } from './context.js';

/**
 * The demo: a seeded programme year replayed through every use case on a fresh embedded
 * workspace, then audited as of the end of that year (the clock every record of the year
 * was written with) and written up as the audit report with the year's story.
 */
export async function demoYear(
  o: DemoOptions & { auditor: string },
): Promise<{ result: DemoResult; story: ReturnType<typeof demoStory>; report: WrittenReport }> {
  const result = await runDemo(o);
  const story = demoStory(result);
  // The demo's own embedded store, even when ROTGUARD_DATABASE_URL is set.
  const store = await openStore({ workspace: result.workspace });
  try {
    const ctx = createContext(store, { actor: o.auditor, clock: fixedClock(result.endsAt), workspace: result.workspace });
    const report = await writeAuditReport(ctx, { outDir: o.dir, narrative: story });
    return { result, story, report };
  } finally {
    await store.close();
  }
}
