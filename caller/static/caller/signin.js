/* The clerk sign-in form (a file of its own: the CSP allows no inline script). */
document.getElementById("signin").addEventListener("submit", async function (ev) {
  ev.preventDefault();
  const btn = document.getElementById("signin-btn"), err = document.getElementById("signin-error");
  btn.disabled = true; err.hidden = true;
  const res = await QH.api("/auth/login", {body: {username: this.username.value.trim(), password: this.password.value}});
  if (res.ok) { window.location.reload(); return; }
  err.textContent = res.status === 401 ? QH.t("caller.signin_failed") : QH.errorText(res);
  err.hidden = false; btn.disabled = false;
});
