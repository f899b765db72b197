// The DOCKNET_* environment variables that hold numbers or switches: one table, read by the code that
// uses each value and checked as a whole by the command line before anything runs, so that a typo
// (DOCKNET_CONCURRENCY=abc) is refused with its meaning instead of running nothing.

interface NumberSetting {
  /** What the number counts, for messages: "steps run at once". */
  meaning: string;
  min: number;
  fallback: number;
}

interface SwitchSetting {
  meaning: string;
  /** The values it takes; the first is the default. */
  values: string[];
}

export const NUMBER_SETTINGS = {
  DOCKNET_CONCURRENCY: { meaning: 'steps run at once inside a phase of an apply', min: 1, fallback: 4 },
  DOCKNET_LOCK_WAIT: { meaning: 'seconds a writer waits for another docknet to finish with the engine', min: 0, fallback: 120 },
  DOCKNET_CONNECT_TIMEOUT: { meaning: 'seconds to wait for a connection to the engine (tcp, TLS, ssh)', min: 1, fallback: 10 },
} satisfies Record<string, NumberSetting>;

export const SWITCH_SETTINGS = {
  DOCKNET_SSH_MULTIPLEX: { meaning: 'whether to share one ssh connection per engine host', values: ['1', '0'] },
  DOCKNET_PARSE_CACHE: { meaning: 'whether to keep what large spec files parsed to (~/.cache/docknet/parsed), so an unchanged file is not parsed again', values: ['1', '0'] },
} satisfies Record<string, SwitchSetting>;

export type NumberSettingName = keyof typeof NUMBER_SETTINGS;

/** A DOCKNET_* variable whose value cannot be used. */
export class SettingError extends Error {
  constructor(readonly problems: string[]) {
    super([...problems, 'nothing was run: set them right, or unset them'].join('\n'));
    this.name = 'SettingError';
  }
}

const given = (text: string | undefined): text is string => text !== undefined && text !== '';

function numberProblem(name: NumberSettingName, text: string): string | undefined {
  const s: NumberSetting = NUMBER_SETTINGS[name];
  if (/^\d+$/.test(text) && Number(text) >= s.min) return undefined;
  return `${name}="${text}": expected a whole number, ${s.min} or more — ${s.meaning} (${s.fallback} when unset)`;
}

/** The value of a numeric setting, or its default when unset; throws SettingError when it is not one. */
export function numberSetting(name: NumberSettingName, env: NodeJS.ProcessEnv = process.env): number {
  const text = env[name];
  if (!given(text)) return NUMBER_SETTINGS[name].fallback;
  const problem = numberProblem(name, text);
  if (problem) throw new SettingError([problem]);
  return Number(text);
}

/** Every DOCKNET_* number or switch that is set to something unusable, as one line each. */
export function settingProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const name of Object.keys(NUMBER_SETTINGS) as NumberSettingName[]) {
    const text = env[name];
    const problem = given(text) ? numberProblem(name, text) : undefined;
    if (problem) out.push(problem);
  }
  for (const [name, s] of Object.entries(SWITCH_SETTINGS) as [string, SwitchSetting][]) {
    const text = env[name];
    if (given(text) && !s.values.includes(text)) out.push(`${name}="${text}": expected ${s.values.join(' or ')} — ${s.meaning} (${s.values[0]} when unset)`);
  }
  return out;
}
