/**
 * What the pipe server keeps: streams (the ports descriptors are send rights
 * to), the pipes, FIFOs and duplex pipes they belong to, and the console.
 * Plain data; `server.ts` acts on it with system calls.
 */
import type { Channel } from './channel.ts';

/** A blocked call: the reply right kept, the request's id, who made it. */
export interface Who {
  reply: number;
  id: number;
  pid: number;
}

/**
 * A port a descriptor is a send right to: a pipe's read or write end, a FIFO's,
 * one side of a duplex pipe, or a console stream. `rd` / `wr` are the channels it
 * reads from / writes to (absent: EBADF in that direction).
 */
export interface Stream {
  /** The receive right's name in the server's space. */
  port: number;
  label: string;
  kind: 'read' | 'write' | 'side' | 'console-in' | 'console-out' | 'console-err';
  rd: Channel<Who> | null;
  wr: Channel<Who> | null;
  /** A no-senders notification is requested (it goes to the stream's own port, as the Hurd's libports does). */
  armed: boolean;
  /** Some process holds a send right (it has the stream open). */
  open: boolean;
  owner: Pipe | Duplex | null;
}

/** An ordinary pipe, or the pipe under a FIFO. */
export interface Pipe {
  kind: 'pipe';
  id: number;
  label: string;
  ch: Channel<Who>;
  read: Stream;
  write: Stream;
  fifo: Fifo | null;
}

/** A Windows-style duplex named pipe: two channels in message mode, one per direction; side 0 writes `ab`, side 1 writes `ba`. */
export interface Duplex {
  kind: 'duplex';
  id: number;
  label: string;
  ab: Channel<Who>;
  ba: Channel<Who>;
  sides: [Stream, Stream];
  fifo: Fifo;
}

/** A named pipe's object: its port is what the file server's node holds (and hands to openers). */
export interface Fifo {
  id: number;
  label: string;
  port: number;
  /** Send rights to the object exist (the file server's node, or an opener's copy): false once unlinked and forgotten. */
  linked: boolean;
  armed: boolean;
  under: Pipe | Duplex;
  /** Opens waiting for the other side (O_RDONLY waits for a writer, O_WRONLY for a reader, a duplex side for the other). */
  waiting: { who: Who; access: 'read' | 'write' | 'side'; side?: number }[];
}

/** One write to the console: who wrote what to which stream. */
export interface ConsoleRecord {
  t: number;
  pid: number;
  fd: 1 | 2;
  text: string;
}

/**
 * The console the pipe server serves: what processes wrote to fds 1 and 2 (the
 * scenario reads it here), and what fd 0 reads (given at start; then end of file).
 */
export class Console {
  readonly records: ConsoleRecord[] = [];

  /** Everything written to fds 1 and 2, in order. */
  text(): string {
    return this.records.map((r) => r.text).join('');
  }

  /** What one process wrote (by pid), or one stream (fd 1 or 2). */
  of(filter: { pid?: number; fd?: 1 | 2 }): string {
    return this.records.filter((r) => (filter.pid === undefined || r.pid === filter.pid) && (filter.fd === undefined || r.fd === filter.fd)).map((r) => r.text).join('');
  }
}
