/**
 * The network's errno codes, in the same encoding as `servers/posix/errno.ts`
 * (`ERRNO_BASE | n`, n the Linux number), for the errnos that file has not.
 *
 * @example
 * import { EADDRINUSE, netErrnoName } from './errno.ts';
 * netErrnoName(EADDRINUSE); // 'EADDRINUSE'
 */
import { EACCES, EBADF, EINVAL, EPIPE, ERRNO_BASE, errnoName } from '../posix/errno.ts';

export { EACCES, EBADF, EINVAL, EPIPE };
/** Address already in use (98). */
export const EADDRINUSE = ERRNO_BASE | 98;
/** Cannot assign requested address (99): no ephemeral port left. */
export const EADDRNOTAVAIL = ERRNO_BASE | 99;
/** Address family not supported (97). */
export const EAFNOSUPPORT = ERRNO_BASE | 97;
/** Operation not supported on this socket (95): listen on a datagram socket, say. */
export const EOPNOTSUPP = ERRNO_BASE | 95;
/** Connection reset by peer (104): an RST on an open connection. */
export const ECONNRESET = ERRNO_BASE | 104;
/** Transport endpoint is already connected (106). */
export const EISCONN = ERRNO_BASE | 106;
/** Transport endpoint is not connected (107). */
export const ENOTCONN = ERRNO_BASE | 107;
/** Connection timed out (110): the retransmissions went unanswered. */
export const ETIMEDOUT = ERRNO_BASE | 110;
/** Connection refused (111): an RST answered the SYN (nothing listens). */
export const ECONNREFUSED = ERRNO_BASE | 111;
/** Operation already in progress (114): a second connect while the first waits. */
export const EALREADY = ERRNO_BASE | 114;
/** Destination address required (89): a write on a UDP socket's descriptor (datagrams need sendto's address). */
export const EDESTADDRREQ = ERRNO_BASE | 89;

const NAMES = new Map<number, string>([
  [EADDRINUSE, 'EADDRINUSE'],
  [EADDRNOTAVAIL, 'EADDRNOTAVAIL'],
  [EAFNOSUPPORT, 'EAFNOSUPPORT'],
  [EOPNOTSUPP, 'EOPNOTSUPP'],
  [ECONNRESET, 'ECONNRESET'],
  [EISCONN, 'EISCONN'],
  [ENOTCONN, 'ENOTCONN'],
  [ETIMEDOUT, 'ETIMEDOUT'],
  [ECONNREFUSED, 'ECONNREFUSED'],
  [EALREADY, 'EALREADY'],
  [EDESTADDRREQ, 'EDESTADDRREQ'],
]);

/** The name of a code: the network's errnos, then posix's, then Mach's. */
export function netErrnoName(code: number): string {
  return NAMES.get(code) ?? errnoName(code);
}
