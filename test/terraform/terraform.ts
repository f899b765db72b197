// Helpers for end-to-end tests with the real terraform binary and docknet's provider from a local mirror.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKNET, ROOT, run, type Result } from '../helpers';

export const TERRAFORM = process.env.TERRAFORM_BINARY ?? '/usr/local/bin/terraform';

/** Installs the provider the way the README says, into a fresh folder; returns the CLI config path. */
export function installProvider(): string {
  return installation().cliConfig;
}

/** The variables `docknet terraform install` tells a user to export. */
export function installation(): { cliConfig: string; terraformWrapper: string } {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-tf-install-'));
  const out = execFileSync(DOCKNET, ['terraform', 'install', '--dir', dir]).toString();
  return {
    cliConfig: /export TF_CLI_CONFIG_FILE=(\S+)/.exec(out)![1],
    terraformWrapper: /export TERRAFORM_BINARY_NAME=(\S+)/.exec(out)![1],
  };
}

export function terraformEnv(cliConfig: string): NodeJS.ProcessEnv {
  return { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
}

export function terraform(dir: string, cliConfig: string, ...args: string[]): Promise<Result> {
  return run(TERRAFORM, [`-chdir=${dir}`, ...args], 300_000, terraformEnv(cliConfig));
}

/** A copy of a configuration folder from stacks/, to run terraform in. */
export function workspace(from: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'docknet-tf-'));
  cpSync(join(ROOT, from), dir, { recursive: true });
  return dir;
}
