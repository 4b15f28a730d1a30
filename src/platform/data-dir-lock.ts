import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StartupError } from './errors.ts';

/** The file whose OS lock marks a data directory as in use. It stays; only its lock comes and goes. */
export const LOCK_FILE = 'tessera.lock.sqlite';
/** What versions before the OS lock wrote: a PID, which proves nothing across PID namespaces. */
const LEGACY_PID_FILE = 'tessera.lock';

export class DataDirInUseError extends StartupError {}

/**
 * The embedded database is one process's files: a second process opening them would fork the data
 * (each would see only its own writes). PGlite takes no lock of its own, so this holds an OS file lock
 * on a file in the data directory for the life of the process.
 *
 * The lock is SQLite's, through the `node:sqlite` module built into Node (fcntl byte-range locks on
 * POSIX, LockFileEx on Windows): Node has no flock, and this needs no native addon and no helper
 * process. The kernel keeps the lock on the file itself, so a process in another PID namespace (a second
 * container on the same volume) is refused, and drops it the moment the holder dies, `kill -9`
 * included, so a restart needs no stale-lock guesswork. Nothing here reads or compares PIDs.
 *
 * Returns the function that releases the lock.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  // No busy timeout: a lock that is held is refused at once rather than waited for.
  const lock = new DatabaseSync(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    // The rollback journal in memory: the transaction writes nothing, and leaves no journal file
    // behind a killed process.
    lock.exec('pragma journal_mode = memory');
    // An exclusive transaction that is never committed holds the exclusive lock until the connection
    // closes (release) or the process ends.
    lock.exec('begin exclusive');
  } catch (error) {
    lock.close();
    if ((error as { errcode?: number }).errcode === SQLITE_BUSY) {
      throw new DataDirInUseError(
        `The data directory ${dataDir} is in use by another Tessera process (it holds the lock on ` +
          `${join(dataDir, LOCK_FILE)}), possibly in another container. Stop it, or set ` +
          'TESSERA_DATA_DIR to another directory.',
      );
    }
    throw new Error(`Could not lock the data directory ${dataDir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // Holding the lock, the PID file an earlier version may have left is nobody's; removed so that it
  // does not suggest otherwise.
  rmSync(join(dataDir, LEGACY_PID_FILE), { force: true });
  return () => {
    // The file itself stays: removing it would let a process that opened it just before lock a file
    // no longer in the directory while a third locks a new one.
    if (lock.isOpen) lock.close();
  };
}

/** SQLite's "database is locked": another connection, in this process or another, holds the lock. */
const SQLITE_BUSY = 5;
