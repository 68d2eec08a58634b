#!/usr/bin/env node
// The `trickbox` command. A committed file rather than dist/src/cli/main.js itself, so that npm links it at install
// even in a fresh checkout, where dist/ is only built afterwards.
import { runCli } from '../dist/src/cli/main.js';

runCli(process.argv.slice(2));
