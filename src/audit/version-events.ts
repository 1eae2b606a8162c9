import { readEvents, type EventDb, type EventRow } from '../store/event-log.js';
import type { IntegrityScope } from './store-integrity.js';

/** Subjects per query: well under SQLite's and PostgreSQL's bound-parameter limits. */
const SUBJECTS_PER_QUERY = 500;

/**
 * The events a per-version audit depends on, oldest first: every event of its model
 * (registrations, promotions, served batches, monitoring runs, decisions), the ingests of
 * the sources behind its training data and its endpoint's gate settings. Read by index
 * (events_model_seq; events_subject_seq, migration 0014), so the cost follows the version's
 * own history, not the whole log's: the full audit reads every event.
 */
export async function eventsOfScope(db: EventDb, scope: IntegrityScope): Promise<EventRow[]> {
  const bySeq = new Map<number, EventRow>();
  const add = (rows: readonly EventRow[]) => {
    for (const r of rows) bySeq.set(r.seq, r);
  };
  for (const model of scope.models) add(await readEvents(db, { model }));
  const subjects = [...[...scope.sources].map((s) => `source:${s}`), ...[...scope.endpoints].map((e) => `gate:${e}`)];
  for (let i = 0; i < subjects.length; i += SUBJECTS_PER_QUERY)
    add(
      await db
        .selectFrom('events')
        .selectAll()
        .where('subject', 'in', subjects.slice(i, i + SUBJECTS_PER_QUERY))
        .execute(),
    );
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
