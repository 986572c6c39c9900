/**
 * The network's errno codes, in the same encoding as `servers/posix/errno.ts`
 * (`ERRNO_BASE | n`, n the Linux number), for the errnos that file has not.
 *
 * @example
 * import { EADDRINUSE, netErrnoName } from './errno.ts';
 * netErrnoName(EADDRINUSE); // 'EADDRINUSE'
 */
import { EACCES, EBADF, EINVAL, ERRNO_BASE, errnoName } from '../posix/errno.ts';

export { EACCES, EBADF, EINVAL };
/** Address already in use (98). */
export const EADDRINUSE = ERRNO_BASE | 98;
/** Cannot assign requested address (99): no ephemeral port left. */
export const EADDRNOTAVAIL = ERRNO_BASE | 99;
/** Address family not supported (97). */
export const EAFNOSUPPORT = ERRNO_BASE | 97;

const NAMES = new Map<number, string>([
  [EADDRINUSE, 'EADDRINUSE'],
  [EADDRNOTAVAIL, 'EADDRNOTAVAIL'],
  [EAFNOSUPPORT, 'EAFNOSUPPORT'],
]);

/** The name of a code: the network's errnos, then posix's, then Mach's. */
export function netErrnoName(code: number): string {
  return NAMES.get(code) ?? errnoName(code);
}
