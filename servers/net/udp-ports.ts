/**
 * A host's UDP port numbers, as its network server keeps them: which socket holds which
 * port, well-known ports (below 1024) only for the privileged, ephemeral ports handed out
 * in order from the IANA range 49152–65535 (RFC 6335), wrapping and skipping ports in use.
 *
 * Privilege: a socket's owner is privileged when it was spawned with `{ uid: 0 }`-like
 * root rights; the network server decides and passes `privileged` here.
 *
 * @example
 * const ports = new UdpPorts();
 * ports.bind(80, 7, false);  // EACCES
 * ports.bind(80, 7, true);   // 0 (KERN_SUCCESS)
 * ports.bind(80, 8, true);   // EADDRINUSE
 * ports.ephemeral(9);        // { code: 0, port: 49152 }
 */
import { EACCES, EADDRINUSE, EADDRNOTAVAIL, EINVAL } from './errno.ts';

/** The first well-known port that needs no privilege. */
export const PRIVILEGED_BELOW = 1024;
/** The ephemeral range (IANA, RFC 6335). */
export const EPHEMERAL_FIRST = 49152;
export const EPHEMERAL_LAST = 65535;

export class UdpPorts {
  /** port → socket id. */
  private readonly owners = new Map<number, number>();
  private nextEphemeral = EPHEMERAL_FIRST;

  /** Who holds port (a socket id), or undefined. */
  owner(port: number): number | undefined {
    return this.owners.get(port);
  }

  /**
   * Binds port to socket. Returns 0, or EINVAL (not 1–65535), EACCES (below 1024 and not
   * privileged), EADDRINUSE (held by another socket).
   */
  bind(port: number, socket: number, privileged: boolean): number {
    if (!Number.isInteger(port) || port < 1 || port > 65535) return EINVAL;
    if (port < PRIVILEGED_BELOW && !privileged) return EACCES;
    const held = this.owners.get(port);
    if (held !== undefined && held !== socket) return EADDRINUSE;
    this.owners.set(port, socket);
    return 0;
  }

  /** Binds socket to the next free ephemeral port. Returns { code: 0, port } or { code: EADDRNOTAVAIL }. */
  ephemeral(socket: number): { code: number; port?: number } {
    const span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    for (let i = 0; i < span; i++) {
      const p = this.nextEphemeral;
      this.nextEphemeral = p === EPHEMERAL_LAST ? EPHEMERAL_FIRST : p + 1;
      if (!this.owners.has(p)) {
        this.owners.set(p, socket);
        return { code: 0, port: p };
      }
    }
    return { code: EADDRNOTAVAIL };
  }

  /** Frees port (a close). */
  release(port: number): void {
    this.owners.delete(port);
  }
}
