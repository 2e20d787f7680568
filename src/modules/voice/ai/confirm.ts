import type { Confirm, ConfirmRequest, Listen, SpeechOut } from "./ports.ts";

/**
 * Asks with a desktop notification carrying Approve and Deny buttons; closing it, or no
 * click before the timeout, is no.
 */
export function notificationConfirm(env: NodeJS.ProcessEnv = process.env): Confirm {
  return async (request) => {
    const { notify } = await import("../../../desktop/notify.ts");
    const asked = notify({
      summary: `Allow the assistant to use ${request.tool}?`,
      body: `${request.summary}\n\n${request.detail}`,
      actions: { approve: "Approve", deny: "Deny" },
      timeoutMs: request.timeoutMs,
      urgency: "critical",
      appName: "deskhub",
      icon: "dialog-question",
      env,
    });
    const result = await Promise.race([asked, aborted(request.signal)]);
    if (result === "aborted") return "deny";
    if (result.action === "approve") return "approve";
    return result.action === "deny" ? "deny" : "timeout";
  };
}

function aborted(signal: AbortSignal): Promise<"aborted"> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve("aborted");
    else signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
}

const YES = /\b(yes|yeah|yep|sure|okay|ok|go ahead|do it|approve|approved|confirm|please do)\b/i;
const NO = /\b(no|nope|don't|do not|stop|cancel|deny|denied|never)\b/i;

/** "yes" -> approve, "no" -> deny, anything else -> undefined. "No, don't" is no. */
export function yesOrNo(transcript: string): "approve" | "deny" | undefined {
  if (NO.test(transcript)) return "deny";
  if (YES.test(transcript)) return "approve";
  return undefined;
}

/** Asks out loud and listens for a yes or a no. */
export function spokenConfirm(speech: SpeechOut, listen: Listen): Confirm {
  return async (request) => {
    await speech.speak(`Shall I ${request.summary}? Say yes or no.`, request.signal);
    if (request.signal.aborted) return "deny";
    const heard = await listen(Math.min(request.timeoutMs, 6000), request.signal);
    return yesOrNo(heard) ?? "timeout";
  };
}

/** Asks every way at once; the first clear answer wins, and only silence everywhere is a timeout. */
export function firstAnswer(...confirms: Confirm[]): Confirm {
  return (request: ConfirmRequest) => {
    const controller = new AbortController();
    const stop = () => controller.abort();
    request.signal.addEventListener("abort", stop, { once: true });
    const child = { ...request, signal: controller.signal };
    return new Promise((resolve) => {
      let pending = confirms.length;
      const done = (answer: "approve" | "deny" | "timeout") => {
        pending = -1;
        controller.abort();
        request.signal.removeEventListener("abort", stop);
        resolve(answer);
      };
      for (const confirm of confirms) {
        confirm(child).then(
          (answer) => {
            if (pending < 0) return;
            if (answer !== "timeout") done(answer);
            else if (--pending === 0) done("timeout");
          },
          () => {
            if (pending >= 0 && --pending === 0) done("timeout");
          },
        );
      }
    });
  };
}
