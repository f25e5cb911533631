/**
 * cpp_strerror(r) as crushtool prints it: "(<errno>) <glibc message>".
 */
const MESSAGES: Record<number, string> = {
  1: 'Operation not permitted',
  2: 'No such file or directory',
  10: 'No child processes',
  12: 'Cannot allocate memory',
  16: 'Device or resource busy',
  17: 'File exists',
  20: 'Not a directory',
  22: 'Invalid argument',
  28: 'No space left on device',
  34: 'Numerical result out of range',
  39: 'Directory not empty',
  40: 'Too many levels of symbolic links',
  75: 'Value too large for defined data type',
  114: 'Operation already in progress',
};

export function cppStrerror(r: number): string {
  const e = Math.abs(r);
  return `(${e}) ${MESSAGES[e] ?? `Unknown error ${e}`}`;
}
