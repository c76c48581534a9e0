// Enhancements only: every H5 page works without this file.
// "Sort by distance": the phone's position, asked for only when the visitor presses the button.
(function () {
  var form = document.querySelector('[data-locate]');
  if (!form || !navigator.geolocation) return;
  var status = form.querySelector('[data-locate-status]');
  form.hidden = false;
  form.addEventListener('submit', function (event) {
    if (form.lat.value) return;
    event.preventDefault();
    status.textContent = '正在获取您的位置……';
    navigator.geolocation.getCurrentPosition(
      function (p) {
        form.lat.value = p.coords.latitude.toFixed(6);
        form.lng.value = p.coords.longitude.toFixed(6);
        form.submit();
      },
      function () {
        status.textContent = '无法获取您的位置，请按区域查找门店。';
      },
      { timeout: 10000, maximumAge: 300000 }
    );
  });
})();
// "Navigate" inside WeChat: WeChat's own map (the JS-SDK's openLocation, configured with the server's
// signature); elsewhere, or until WeChat accepts the configuration, the link opens Tencent Maps.
(function () {
  var link = document.querySelector('[data-navigate][data-wx-signature]');
  if (!link) return;
  var d = link.dataset;
  var ready = false;
  function withBridge(fn) {
    if (window.WeixinJSBridge) fn();
    else document.addEventListener('WeixinJSBridgeReady', fn, false);
  }
  withBridge(function () {
    window.WeixinJSBridge.invoke('preVerifyJSAPI', {
      verifyJsApiList: ['openLocation'],
      verifyAppId: d.wxApp,
      verifySignType: 'sha1',
      verifyTimestamp: d.wxTimestamp,
      verifyNonceStr: d.wxNonce,
      verifySignature: d.wxSignature
    }, function (r) {
      ready = /:ok$/.test((r && (r.err_msg || r.errMsg)) || '');
    });
  });
  link.addEventListener('click', function (event) {
    if (!ready) return;
    event.preventDefault();
    window.WeixinJSBridge.invoke('openLocation', {
      latitude: parseFloat(d.lat),
      longitude: parseFloat(d.lng),
      name: d.name,
      address: d.address,
      scale: 16,
      infoUrl: ''
    }, function () {});
  });
})();
