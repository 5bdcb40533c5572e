import * as vscode from 'vscode';

export interface ConfirmationRequest {
  question: string;
  /** Kept short (the dialog must fit any window): long lists go to `review`. */
  detail: string;
  button: string;
  /** The button that declines; default "Cancel". Name it when "Cancel" could be misread ("Keep Building"). */
  declineButton?: string;
  /**
   * Offered first, so that Enter reviews instead of writing (several indexes at once): shows the
   * full list, then the question comes back.
   */
  review?: { button: string; show(): Thenable<unknown> };
}

type Answerer = (request: ConfirmationRequest) => Promise<boolean>;

/** A modal dialog; a dialog that cannot be shown counts as "no". The first button is the default. */
const modal: Answerer = async ({ question, detail, button, declineButton, review }) => {
  const write: vscode.MessageItem = { title: button };
  const decline: vscode.MessageItem = { title: declineButton ?? 'Cancel', isCloseAffordance: true };
  const items = review ? [{ title: review.button }, write, decline] : [write, decline];
  try {
    for (;;) {
      const answer = await vscode.window.showWarningMessage(question, { modal: true, detail }, ...items);
      if (review && answer?.title === review.button) {
        await review.show();
        continue;
      }
      return answer === write;
    }
  } catch {
    return false;
  }
};

let answerer: Answerer = modal;

/** Everything that writes to a database asks here first. */
export function confirmWrite(request: ConfirmationRequest): Promise<boolean> {
  return answerer(request);
}

/**
 * VS Code refuses modal dialogs while extension tests run ("DialogService: refused to show
 * dialog in tests"), so the suite answers them here instead, and sees each question asked.
 * Passing undefined restores the dialog.
 */
export function answerConfirmationsForTests(answer: Answerer | undefined): void {
  answerer = answer ?? modal;
}
