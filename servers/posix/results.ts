/**
 * The POSIX library's plain types: what read returns, the fcntl constants, and
 * the state fork and exec hand on.
 */
import type { TableData } from './table.ts';

/** fcntl commands (Linux's numbers) and the descriptor flag. */
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const FD_CLOEXEC = 1;

/** What fork hands the child and exec the new program: the table and the servers' names. */
export interface PosixState extends TableData {
  pipe: number;
  fs: number;
  /** Reply ports the library made (kept across exec: the task keeps its rights). */
  replies?: [string, number][];
}

/** The key under which `exec` passes the state in the new program's args (`{ __posix, args }`). */
export const POSIX_ARGS = '__posix';

const decoder = new TextDecoder();

/** What read returns: the bytes; `eof` at end of file (0 bytes); `more` when a duplex pipe's message was cut. */
export class ReadResult {
  constructor(
    readonly code: number,
    readonly bytes: Uint8Array,
    readonly eof: boolean,
    readonly more = false,
  ) {}
  /** The bytes as UTF-8 text. */
  get text(): string {
    return decoder.decode(this.bytes);
  }
}

