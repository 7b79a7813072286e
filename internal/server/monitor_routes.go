package server

import "net/http"

// monitorRoutes adds the monitor routes.
func (s *Server) monitorRoutes(mux *http.ServeMux) {}
