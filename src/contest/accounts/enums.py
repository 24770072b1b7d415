from django.db import models


class RoleKind(models.TextChoices):
    ENTRANT = "entrant", "参赛者"
    ORGANIZER = "organizer", "赛事组织方"
    JUDGE = "judge", "评审专家"
    SECRETARIAT = "secretariat", "大赛秘书处"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "待接受"
    ACCEPTED = "accepted", "已接受"
    REVOKED = "revoked", "已撤销"


#: An invitation is used once or revoked; both are final. Expiry is not a status: a pending
#: invitation past ``expires_at`` is refused when used (``services.check_invitation_usable``).
INVITATION_TRANSITIONS: dict[str, frozenset[str]] = {
    InvitationStatus.PENDING: frozenset({InvitationStatus.ACCEPTED, InvitationStatus.REVOKED}),
    InvitationStatus.ACCEPTED: frozenset(),
    InvitationStatus.REVOKED: frozenset(),
}
