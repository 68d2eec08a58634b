// trickbox's version, read from its own package.json (a self-reference: the package exports ./package.json); for the
// CLI's --version and for anything that records which trickbox made a result.
import { createRequire } from 'node:module';

export const VERSION: string = (createRequire(import.meta.url)('trickbox/package.json') as { version: string }).version;
