"""The published site: status pages (`build`), the mkdocs hooks of the manual (`hooks`), charts."""
