/**
 * Just enough of a Dockerfile reader for the image tests: instructions with
 * line continuations joined, global ARG defaults substituted into FROM, and
 * stages linked to the stage (or image) they start from.
 */

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly name: string | undefined;
  /** The FROM reference with ARGs substituted: an image or an earlier stage's name. */
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  readonly globalArgs: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
}

function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && /^\s*(#|$)/.test(line)) continue;
    if (current !== '' && /^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push((current + line).trim());
    current = '';
  }
  if (current.trim() !== '') lines.push(current.trim());
  return lines;
}

function substitute(text: string, args: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    return args[name] ?? whole;
  });
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Array<{ name: string | undefined; from: string; instructions: Instruction[] }> = [];
  for (const line of logicalLines(text)) {
    const match = /^(\w+)\s*(.*)$/s.exec(line);
    if (!match) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    const args = match[2] ?? '';
    if (keyword === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/).filter((word) => !word.startsWith('--'));
      stages.push({
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        from: substitute(image, globalArgs),
        instructions: [],
      });
    } else if (stages.length === 0 && keyword === 'ARG') {
      const [name = '', value = ''] = args.split('=', 2);
      globalArgs[name.trim()] = value.trim();
    } else {
      stages.at(-1)?.instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

export function stageNamed(dockerfile: Dockerfile, name: string): Stage {
  const stage = dockerfile.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`the Dockerfile has no stage named ${name}`);
  return stage;
}

/** The stage and every stage it is built on, nearest first. */
export function stageChain(dockerfile: Dockerfile, stage: Stage): Stage[] {
  const chain = [stage];
  for (let parent = dockerfile.stages.find((s) => s.name === stage.from); parent; ) {
    chain.push(parent);
    const from = parent.from;
    parent = dockerfile.stages.find((s) => s.name === from);
  }
  return chain;
}

/** The image a stage's filesystem ultimately starts from. */
export function baseImageOf(dockerfile: Dockerfile, stage: Stage): string {
  return stageChain(dockerfile, stage).at(-1)?.from ?? stage.from;
}

/** Every instruction that applies to a stage, inherited ones first. */
export function effectiveInstructions(dockerfile: Dockerfile, stage: Stage): Instruction[] {
  return stageChain(dockerfile, stage)
    .reverse()
    .flatMap((s) => s.instructions);
}

/** `COPY [--flags] src... dest` (shell form only, which is all this project uses). */
export function copySources(instruction: Instruction): {
  readonly from: string | undefined;
  readonly sources: string[];
} {
  const words = instruction.args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1) };
}
