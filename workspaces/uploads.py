"""Uploads spool to disk and stop as soon as they pass the size limit."""

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Writes every upload to a temporary file; aborts one that grows past the limit, so an
    oversize file never fills the disk. The view then reports it (request.upload_too_large)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request.upload_too_large = False
        limit = settings.ENCLAVE_DOCUMENT_MAX_BYTES
        # The whole request is larger than a file may be (plus room for the form fields).
        if content_length and content_length > limit + 1024 * 1024:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.ENCLAVE_DOCUMENT_MAX_BYTES:
            self.request.upload_too_large = True
            self.file.close()
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)
