// One child process of a side-by-side benchmark, timed from spawn to exit (bench/baseline.ts, bench/speedrun.ts).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/**
 * Runs a command in `cwd`, copying its stdout and stderr to `logPath`; resolves with its stdout and the wall time
 * from spawn to exit, rejects naming the log when it exits with another code than 0.
 */
export function timedRun(
  cmd: string,
  args: string[],
  logPath: string,
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ wallSeconds: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logPath);
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      log.write(d);
    });
    child.stderr.on('data', (d: Buffer) => log.write(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - t0) / 1000;
      log.end();
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}; log: ${logPath}`));
      else resolve({ wallSeconds, stdout });
    });
  });
}
