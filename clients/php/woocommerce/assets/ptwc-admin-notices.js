/* Plugin Telemetry for WooCommerce: dismissing an in-app notice (WordPress's X button)
 * acknowledges it through admin-ajax.php, as the "Dismiss" link does without JavaScript. */
(function () {
  'use strict';
  document.addEventListener('click', function (event) {
    var target = event.target;
    if (!(target instanceof Element) || !target.classList.contains('notice-dismiss')) {
      return;
    }
    var notice = target.closest('.ptwc-notice');
    if (!notice || !window.ptwcNotices) {
      return;
    }
    var body = new URLSearchParams({
      action: 'ptwc_dismiss_notice',
      notice_id: notice.getAttribute('data-ptwc-notice') || '',
      _wpnonce: notice.getAttribute('data-ptwc-nonce') || ''
    });
    window.fetch(window.ptwcNotices.ajaxUrl, { method: 'POST', credentials: 'same-origin', body: body });
  });
})();
