// What both demo pages need from the document: their elements and one status line that also shows errors.
export const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Shows `error` in the page's status line and logs it (a failure is a console error, as a test expects). */
export function showError(error: unknown): void {
  byId('status').textContent = `error: ${(error as Error).message}`;
  console.error(error);
}
