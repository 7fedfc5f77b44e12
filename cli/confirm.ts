import { createInterface } from 'node:readline';

/** What reads the user's answer: stdin, or a stand-in in tests. */
export type Input = NodeJS.ReadableStream & { isTTY?: boolean };

/**
 * Asks `question` and reads one line: true only for y or yes (any case), so Enter, anything else or the end of
 * the input (Ctrl+D) keeps the default, no. Not in raw mode: Ctrl+C stays the shell's and ends the process.
 */
export async function askOnTerminal(input: Input, write: (text: string) => void, question: string): Promise<boolean> {
  write(`${question} `);
  const reader = createInterface({ input, terminal: false });
  try {
    const answer = await new Promise<string | undefined>((resolve) => {
      reader.once('line', resolve);
      reader.once('close', () => resolve(undefined));
    });
    if (answer === undefined) write('\n');
    return /^y(es)?$/i.test(answer?.trim() ?? '');
  } finally {
    reader.close();
  }
}
