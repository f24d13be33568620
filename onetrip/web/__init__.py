"""What every interface (pages, JSON API, FHIR) shares and no service needs: who is calling
(`auth`, `sessions`) and the links between one app's pages and another's (`links`).

It sits between the interface modules and the domain apps: interfaces import it, services and
models never do (an import contract in `.importlinter`)."""
