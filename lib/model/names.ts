// Names that reach Docker or the kernel. Linux interface names are at most 15 bytes and may not
// contain '/', ':', white space or be '.' / '..'; Docker object names follow [a-zA-Z0-9][a-zA-Z0-9_.-]*.

export const IFNAMSIZ = 15;

/** Why a name is not a valid Linux interface name, or undefined when it is. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (Buffer.byteLength(name) > IFNAMSIZ) return `is ${Buffer.byteLength(name)} bytes long; Linux allows at most ${IFNAMSIZ}`;
  if (name === '.' || name === '..') return 'cannot be "." or ".."';
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return 'may hold only letters, digits, "_", "." and "-"';
  return undefined;
}

/** Why a name is not a valid Docker object name, or undefined when it is. */
export function dockerNameProblem(name: string): string | undefined {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) return 'must start with a letter or digit and hold only letters, digits, "_", "." and "-"';
  if (name.length > 200) return 'is longer than 200 characters';
  return undefined;
}
