<?php
/**
 * Plugin Name: Loopback mail (dev/wordpress)
 * Description: wp_mail() delivers to the stack's SMTP sink on 127.0.0.1 (dev/stack keeps every message under .state/smtp/mail), never through a local sendmail. When the sink is not running, wp_mail() returns false as it would on a shop without mail.
 */
add_action('phpmailer_init', function ($mailer) {
    $mailer->isSMTP();
    $mailer->Host = '127.0.0.1';
    $mailer->Port = defined('PT_SMTP_PORT') ? PT_SMTP_PORT : 1025;
    $mailer->SMTPAuth = false;
    $mailer->SMTPAutoTLS = false;
    $mailer->Timeout = 5;
});
