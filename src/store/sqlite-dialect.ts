import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

/**
 * Kysely's SQLite dialect with two changes for a store that several processes write:
 *
 * - transactions begin IMMEDIATE: the write lock is taken up front (waiting up to the busy
 *   timeout), so two commands that both read and then write (the same file ingested twice
 *   at once, the same recipe built twice) queue instead of one failing with "database is
 *   locked" when it tries to upgrade its read lock;
 * - a rollback after SQLite has already rolled back by itself (a full disk, an I/O error)
 *   does not replace the real error with "cannot rollback - no transaction is active".
 */
export class StoreSqliteDialect extends SqliteDialect {
  private readonly settings: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.settings = config;
  }
  override createDriver(): Driver {
    return new StoreSqliteDriver(this.settings);
  }
}

class StoreSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } catch (e) {
      if (/no transaction is active/.test((e as Error).message)) return;
      throw e;
    }
  }
}
