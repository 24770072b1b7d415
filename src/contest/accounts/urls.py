"""Sign-up, sign-in, e-mail verification, password reset, invitations."""

from django.urls import path

from contest.accounts import security_views, views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("verify/resend/", views.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("invite/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke_invitation"),
    # Security baseline (issue 10): two-factor sign-in and signed-in sessions.
    path("two-factor/setup/", security_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", security_views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/recovery/", security_views.two_factor_recovery, name="two_factor_recovery"),
    path("two-factor/disable/", security_views.two_factor_disable, name="two_factor_disable"),
    path("security/", security_views.account_security, name="security"),
    path("security/sessions/end-all/", security_views.end_all_sessions, name="end_all_sessions"),
    path("security/sessions/<str:handle>/end/", security_views.end_session, name="end_session"),
]
