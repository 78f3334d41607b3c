"""The Qt-free core: catalog, extraction, chunking, embedding, indexing and search."""
