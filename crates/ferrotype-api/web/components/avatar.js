// The signed-in user's picture (or initial) and the header's link to the account page. The user is
// a signal: the account page sets it when the name or picture changes, and the header follows.

import { html, signal } from "/ui.js";

// Read after the visible name (the link's name is "<name>: account settings"), so what is seen
// is what is spoken (WCAG 2.5.3).
const STRINGS = { account: ": account settings" };

/// The signed-in user (UserAdminResponseDto), shared by the header and the account page.
export const me = signal(null);

/// Immich's avatar colours as CSS colours.
const COLORS = {
  primary: "#4250af", pink: "#de7fb3", red: "#e64132", yellow: "#cfb11b", blue: "#0c6ec8",
  green: "#30a356", purple: "#a35fcf", orange: "#e08a30", gray: "#6b6b76", amber: "#c98710",
};

/// A user's picture, or the initial of the name on their colour.
export function Avatar({ user, size = 32 }) {
  const style = `width:${size}px;height:${size}px`;
  if (user.profileImagePath) {
    const version = encodeURIComponent(user.profileChangedAt || "");
    return html`<img class="avatar" style=${style} alt="" src=${`/api/users/${user.id}/profile-image?v=${version}`} />`;
  }
  const initial = (user.name || user.email || "?").trim().charAt(0).toUpperCase();
  return html`<span class="avatar" aria-hidden="true" style=${`${style};background:${COLORS[user.avatarColor] || COLORS.primary};font-size:${size / 2.2}px`}>${initial}</span>`;
}

/// The header's link to the account page, for the user in `me` (app.js sets it at each page).
export function AccountLink({ navigate }) {
  const user = me.value;
  if (!user) return null;
  const open = (e) => {
    e.preventDefault();
    navigate("/account");
  };
  const current = location.pathname === "/account" ? "page" : null;
  return html`<a href="/account" class="account-link" aria-current=${current} onClick=${open}>
    <${Avatar} user=${user} />
    <span class="who">${user.name}</span><span class="visually-hidden">${STRINGS.account}</span>
  </a>`;
}
