import type { ChoiceState, States, WaitState } from './asl';

/**
 * A step that answers `<flag>: false` with `waitSeconds` sleeps that long and runs again; `<flag>: true`, or no
 * `<flag>` at all (a function from before the loop), goes on to `next`. Presence is tested first (`Not: {
 * IsPresent: true }`: aws-local-stepfunctions@3 never matches `IsPresent: false`, and BooleanEquals on a missing
 * path is a runtime error). Used by the build's readiness (`ready`) and the teardown's termination (`complete`).
 */
export interface WaitLoop {
  /** The Choice's and the Wait's state names. */
  choice: string;
  wait: string;
  /** The step to run again after the Wait, and the state after it once done. */
  step: string;
  next: string;
  /** The step's ResultPath and the boolean field of its answer that says it is done. */
  resultPath: string;
  flag: string;
  choiceComment: string;
  waitComment: string;
}

export function waitLoopStates(loop: WaitLoop): States {
  const flag = `${loop.resultPath}.${loop.flag}`;
  return {
    [loop.choice]: {
      Type: 'Choice',
      Comment: loop.choiceComment,
      Choices: [
        { Not: { Variable: flag, IsPresent: true }, Next: loop.next },
        { Variable: flag, BooleanEquals: false, Next: loop.wait },
      ],
      Default: loop.next,
    } satisfies ChoiceState,
    [loop.wait]: {
      Type: 'Wait',
      Comment: loop.waitComment,
      SecondsPath: `${loop.resultPath}.waitSeconds`,
      Next: loop.step,
    } satisfies WaitState,
  };
}
