// Where CesiumJS finds its workers, assets and widgets: served by `tracklayer serve`.
window.CESIUM_BASE_URL = '/cesium/';
