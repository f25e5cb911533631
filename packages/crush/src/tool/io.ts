/**
 * File I/O for ts-crushtool (the only part of the package that touches the filesystem).
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** Read a whole file, or stdin for "-". */
export function readInput(path: string): Buffer {
  return path === '-' ? readFileSync(0) : readFileSync(path);
}

export function writeOutput(path: string, data: string | Uint8Array): void {
  writeFileSync(path, data);
}

/** What a run printed: collected so that callers (the bin, tests) decide where it goes. */
export class Output {
  private readonly out: string[] = [];
  private readonly err: string[] = [];
  stdout(s: string): void {
    this.out.push(s);
  }
  stderr(s: string): void {
    this.err.push(s);
  }
  get stdoutText(): string {
    return this.out.join('');
  }
  get stderrText(): string {
    return this.err.join('');
  }
}
