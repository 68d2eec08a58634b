// A run directory is trained by one process at a time: `run.lock` names the host and PID and is refreshed while
// training. A stale lock — its PID dead on this host, or not refreshed for STALE_MS by a process on another host
// (shared storage) — is taken over; a live one is refused, naming its holder.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { diskFullAware, writeFileAtomic } from '../fs/atomic.js';
import { RecipeError } from './recipe.js';

export const LOCK_FILE = 'run.lock';
const REFRESH_MS = 30_000;
const STALE_MS = 5 * 60_000;

interface LockInfo {
  host: string;
  pid: number;
  startedAt: string;
  refreshedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined; // torn or foreign content: treated as stale
  }
}

function stale(info: LockInfo | undefined, now: number): boolean {
  if (!info || typeof info.pid !== 'number') return true;
  if (info.host === hostname()) return info.pid !== process.pid && !alive(info.pid);
  return now - Date.parse(info.refreshedAt) > STALE_MS;
}

/** Takes the lock of `runDir` (created); returns its release function. Throws a RecipeError (exit 2) when held. */
export function lockRunDir(runDir: string, log: (m: string) => void = () => undefined): () => void {
  const file = join(runDir, LOCK_FILE);
  const info = (): LockInfo => {
    const now = new Date().toISOString();
    return { host: hostname(), pid: process.pid, startedAt: now, refreshedAt: now };
  };
  const mine = info();
  mkdirSync(runDir, { recursive: true });
  try {
    const fd = openSync(file, 'wx'); // exclusive: two processes cannot both create it
    try {
      writeSync(fd, JSON.stringify(mine) + '\n');
    } catch (e) {
      closeSync(fd);
      rmSync(file, { force: true }); // a full disk leaves no empty lock behind
      throw diskFullAware(e, file);
    }
    closeSync(fd);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const held = readLock(file);
    if (!stale(held, Date.now()))
      throw new RecipeError(
        `${runDir}: in use by process ${held!.pid} on ${held!.host} (locked since ${held!.startedAt}); wait for it to finish or stop it`,
      );
    log(`${runDir}: taking over a stale lock${held ? ` of process ${held.pid} on ${held.host}` : ''}`);
    writeFileAtomic(file, JSON.stringify(mine) + '\n');
  }
  const timer = setInterval(() => {
    if (!existsSync(runDir)) return;
    try {
      writeFileAtomic(file, JSON.stringify({ ...mine, refreshedAt: new Date().toISOString() }) + '\n');
    } catch {
      /* a full disk: the next refresh tries again */
    }
  }, REFRESH_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    const held = readLock(file);
    if (held && held.pid === process.pid && held.host === mine.host) rmSync(file, { force: true });
  };
}
