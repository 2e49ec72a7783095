// Locks down every web contents once: no webviews, no navigation away from the appliance, no
// new windows except links handed to the system's default web client, no permissions (camera,
// notifications...) — the GUI needs none.
import { app, session, shell } from 'electron';
import { isExternalOpenable, isInternalUrl } from './trusted-url.js';

export function lockDown(applianceBase: () => string): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.on('will-navigate', (event, url) => {
      if (!isInternalUrl(url, applianceBase())) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isInternalUrl(url, applianceBase())) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalOpenable(url) && !isInternalUrl(url, applianceBase())) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
  });
}
