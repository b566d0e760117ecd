// The invite code, its share link and a QR poster — shown only where the API offers
// `Distributor.inviteCode` (the growth issue, SPEC §10). The QR image is the app's own
// `GET /invite/{code}.png`; the poster is drawn on a canvas around it.
import { gql, offers } from "../api";
import { h } from "../dom";
import { t } from "../i18n";

const PROBE = `query P($id: ID!) { distributor(id: $id) { inviteCode @skip(if: true) } }`;

export async function invitePanel(box: HTMLElement, id: string, name: string): Promise<void> {
  if (!(await offers(PROBE, { id }))) return;
  let data: { distributor: { inviteCode: string | null; shareLink: string | null } | null };
  try {
    data = await gql(`query Invite($id: ID!) { distributor(id: $id) { inviteCode shareLink } }`, { id });
  } catch {
    return;
  }
  const code = data.distributor?.inviteCode;
  if (!code) return;
  const share = data.distributor?.shareLink ?? "";
  const qr = h("img", { src: `/invite/${encodeURIComponent(code)}.png`, alt: code, class: "qr", crossorigin: "anonymous" });
  const copy = h("button", { type: "button" }, t("copy"));
  copy.addEventListener("click", () => {
    void navigator.clipboard?.writeText(share).then(() => (copy.textContent = t("copied")));
  });
  const poster = h("button", { type: "button", onclick: () => downloadPoster(qr, code, name) }, t("poster"));
  box.append(
    h(
      "section",
      { class: "panel invite", "data-testid": "invite" },
      h("h2", {}, t("invite")),
      h("div", { class: "invite-body" }, qr, h("div", {}, h("p", { class: "code" }, code), h("p", {}, t("shareLink"), ": ", h("a", { href: share }, share)), h("p", {}, copy, " ", poster))),
    ),
  );
}

function downloadPoster(qr: HTMLImageElement, code: string, name: string): void {
  const canvas = document.createElement("canvas");
  canvas.width = 600;
  canvas.height = 900;
  const g = canvas.getContext("2d");
  if (!g) return;
  const grad = g.createLinearGradient(0, 0, 0, 900);
  grad.addColorStop(0, "#b91c1c");
  grad.addColorStop(1, "#f97316");
  g.fillStyle = grad;
  g.fillRect(0, 0, 600, 900);
  g.fillStyle = "#fff";
  g.textAlign = "center";
  g.font = "bold 48px sans-serif";
  g.fillText(t("posterTitle"), 300, 120);
  g.font = "32px sans-serif";
  g.fillText(name, 300, 180);
  g.fillStyle = "#fff";
  g.fillRect(120, 240, 360, 360);
  if (qr.complete) g.drawImage(qr, 140, 260, 320, 320);
  g.font = "bold 44px monospace";
  g.fillText(code, 300, 700);
  const a = document.createElement("a");
  a.download = `invite-${code}.png`;
  a.href = canvas.toDataURL("image/png");
  a.click();
}
