import * as vscode from 'vscode';

export interface ConfirmationRequest {
  question: string;
  detail: string;
  button: string;
}

type Answerer = (request: ConfirmationRequest) => Promise<boolean>;

/** A modal dialog; a dialog that cannot be shown counts as "no". */
const modal: Answerer = async ({ question, detail, button }) => {
  try {
    return (await vscode.window.showWarningMessage(question, { modal: true, detail }, button)) === button;
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
