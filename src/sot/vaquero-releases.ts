// The Vaquero releases whose SoT formats Corral reads, oldest first. Vaquero numbered its
// documentation (1.0, 1.1, 1.2) and its software (v0.10 … v0.14) separately, so 1.1 is older
// than v0.11: every message names the month too. docs/sot.md, "Vaquero releases", says what
// each one changed and where it is documented.

export const RELEASES = {
  '1.0': 'Aug 2016',
  '1.1': 'Nov 2016',
  'v0.11': 'Dec 2016',
  'v0.12': 'Jan 2017',
  'v0.13': 'Feb 2017',
  'v0.14': 'Mar 2017',
  '1.2': 'Nov 2017',
  'Advanced SoT': 'Aug 2018',
} as const;

export type Release = keyof typeof RELEASES;

/** "Vaquero v0.14, Mar 2017". */
export function vaquero(r: Release): string {
  return `Vaquero ${r}, ${RELEASES[r]}`;
}

/** "Vaquero 1.0, Aug 2016 to 1.1, Nov 2016". */
export function vaqueroRange(from: Release, to: Release): string {
  return `${vaquero(from)} to ${to}, ${RELEASES[to]}`;
}
