// Where the client's state lives between restarts. The file store writes a temporary
// file and renames it over the old one, so a crash mid-write leaves the previous
// state, never half a file; it is readable by its owner only (0600).

import { mkdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface StateStore {
  /** The stored state, or null when there is none or it cannot be read. */
  load(): unknown;
  save(state: unknown): Promise<void>;
  clear(): Promise<void>;
}

export class FileStateStore implements StateStore {
  private writes = 0;

  constructor(readonly path: string) {}

  load(): unknown {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return null;
    }
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  async save(state: unknown): Promise<void> {
    const tmp = `${this.path}.${process.pid}.${++this.writes}.tmp`;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    try {
      await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
      await rename(tmp, this.path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }

  /** Creates the state's folder now, so a misconfigured path fails at construction. */
  ensureDirectory(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
  }
}

/** State in memory only (tests, or a process that must not write to disk). */
export class MemoryStateStore implements StateStore {
  private state: string | null = null;

  load(): unknown {
    return this.state === null ? null : JSON.parse(this.state);
  }

  async save(state: unknown): Promise<void> {
    this.state = JSON.stringify(state);
  }

  async clear(): Promise<void> {
    this.state = null;
  }
}
