import { RotguardError } from '../core/errors.js';
import { latestEvent, type EventDb } from '../store/event-log.js';
import { ALIASES, type ModelVersion } from './registry.js';

/**
 * Before serving through an alias (NAME@champion), checks that the alias names the
 * version its latest promotion event names: an alias re-pointed with plain SQL (an older
 * version quietly served as champion) is refused rather than served.
 */
export async function assertAliasMatchesLog(db: EventDb, ref: string, version: ModelVersion): Promise<void> {
  const tag = ref.split('@')[1];
  if (!tag || !(ALIASES as readonly string[]).includes(tag)) return;
  const promoted = await latestEvent(db, { model: version.model, kind: tag === 'champion' ? 'promoted_champion' : 'promoted_challenger' });
  if (promoted?.version_id === version.id) return;
  throw new RotguardError(
    'alias_not_in_log',
    `${version.model}@${tag} points at ${version.id} in the store, but the event log's latest promotion to ${tag} is ${promoted?.version_id ?? '(none)'}: the alias was changed outside rotguard. Run "rotguard audit" and promote the intended version again`,
    { field: 'model' },
  );
}
