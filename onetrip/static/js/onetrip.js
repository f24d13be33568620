// Page behaviours as data attributes, so no page needs inline script (Content-Security-Policy).
//   data-autosubmit  on a select: changing it submits its form
//   data-confirm     on a form: asks the question before submitting
//   data-print       on a button: prints the page
//   data-fullscreen  on a button: the waiting-room screen goes full screen and speaks each call
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

(() => {
  const spokenKey = "onetrip-last-call";

  function speak(board) {
    const call = board.querySelector("[data-call-id]");
    if (!call || !("speechSynthesis" in window)) return;
    const id = call.dataset.callId;
    if (sessionStorage.getItem(spokenKey) === id) return;
    sessionStorage.setItem(spokenKey, id);
    const lang = document.documentElement.lang.startsWith("zh") ? "zh-CN" : "en-US";
    const voice = speechSynthesis.getVoices().find((v) => v.lang.replace("_", "-") === lang);
    // Said twice, as waiting-room callers do.
    for (let time = 0; time < 2; time += 1) {
      const utterance = new SpeechSynthesisUtterance(call.dataset.announce);
      utterance.lang = lang;
      if (voice) utterance.voice = voice;
      utterance.rate = 0.9;
      speechSynthesis.speak(utterance);
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-fullscreen]");
    if (!button) return;
    const target = document.getElementById(button.dataset.fullscreen) || document.documentElement;
    if (target.requestFullscreen) target.requestFullscreen();
    // Browsers speak only after a user gesture: this tap unlocks the spoken calls.
    if ("speechSynthesis" in window) speechSynthesis.speak(new SpeechSynthesisUtterance(""));
    button.hidden = true;
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const board = event.target.closest ? event.target.closest("[data-speak-calls]") : null;
    if (board) speak(board);
  });
  document.addEventListener("DOMContentLoaded", () => {
    const board = document.querySelector("[data-speak-calls]");
    if (board) sessionStorage.setItem(spokenKey, (board.querySelector("[data-call-id]") || {dataset: {}}).dataset.callId || "");
  });
})();

// data-countdown="SECONDS" on an element: shows the time left as mm:ss, then its data-done text
// (the 30-minute observation after a vaccination, on the nurse's page and the parent's phone).
(() => {
  const timers = document.querySelectorAll("[data-countdown]");
  if (!timers.length) return;
  const started = Date.now();
  function tick() {
    timers.forEach((timer) => {
      const left = Math.max(0, Number(timer.dataset.countdown) - (Date.now() - started) / 1000);
      if (left <= 0) {
        timer.textContent = timer.dataset.done || "0:00";
        return;
      }
      const minutes = Math.floor(left / 60);
      const seconds = String(Math.floor(left % 60)).padStart(2, "0");
      timer.textContent = `${minutes}:${seconds}`;
    });
  }
  tick();
  setInterval(tick, 1000);
})();
